#!/usr/bin/env bash
# make demo: plan and run the bundled example workflow on this machine with
# pegasus-monitord live, show its statistics, plots and analyzer report; then
# a run that fails on purpose, the analyzer at work, and the resumed run;
# then a larger generated run loaded with pegasus-monitord --replay.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(cd "${BIN:-bin}" && pwd)
export PATH="$BIN:$PATH"
rm -rf demo
mkdir -p demo

echo "== 1. Plan the black-diamond example (examples/blackdiamond)"
work=$(examples/setup.sh demo/diamond)
pegasus-plan --conf "$work/pegasus.properties" --dax "$work/blackdiamond.dax" \
	--dir "$work/submit" --sites local --output-site local | tee demo/plan.txt
submit=$(sed -n 's/^Submit directory: //p' demo/plan.txt)

echo
echo "== 2. Run it on this machine (pegasus-run; pegasus-monitord loads it as it runs)"
pegasus-run "$submit"
echo "Result: $(cat "$work/outputs/f.d")"

echo
echo "== 3. Statistics (pegasus-statistics)"
pegasus-statistics -s all -o demo/statistics "$submit" >/dev/null
# summary.txt opens with a long explanation of its columns (lines starting
# with #); the demo shows the figures only.
grep -v '^#' demo/statistics/summary.txt
echo "(DAGMan logs whole seconds: for a run this short, the wall times above are rounded to seconds.)"
echo "(all the statistics files, with the explanations: $(cd demo/statistics && ls | paste -sd ' ' -))"
if [ -x "$BIN/pegasus-plots" ]; then
	echo
	echo "== 3b. Plots (pegasus-plots)"
	if pegasus-plots -o demo/plots "$submit" >/dev/null 2>&1; then
		echo "Charts ($(cd demo/plots && ls -d */ | tr -d / | paste -sd ' ' -)): open demo/plots/index.html"
	else
		echo "(pegasus-plots failed)"
	fi
fi

echo
echo "== 4. Analyzer (pegasus-analyzer): nothing failed"
pegasus-analyzer "$submit" | head -20 || true

echo
echo "== 5. The same workflow with a job that fails on purpose"
fwork=$(examples/setup.sh demo/diamond-fail --fail)
pegasus-plan --conf "$fwork/pegasus.properties" --dax "$fwork/blackdiamond.dax" \
	--dir "$fwork/submit" --sites local --output-site local > demo/plan-fail.txt
fsubmit=$(sed -n 's/^Submit directory: //p' demo/plan-fail.txt)
pegasus-run "$fsubmit" || echo "(pegasus-run exited $? as expected)"

echo
echo "== 6. What failed (pegasus-analyzer)"
pegasus-analyzer "$fsubmit" || true

echo
echo "== 7. Fix the cause and run again: the rescue DAG resumes where the run stopped"
sub=$(ls "$fsubmit"/*/*/findrange_ID0000003.sub)
sed -i 's/ --fail//' "$sub"
pegasus-run "$fsubmit"
echo "Result: $(cat "$fwork/outputs/f.d")"
echo "Both runs in one database: the failed tries are kept, the jobs done before did not run again:"
pegasus-statistics -s summary -o demo/statistics-fail "$fsubmit" >/dev/null && grep -v '^#' demo/statistics-fail/summary.txt | sed -n '2,5p'

echo
echo "== 8. A larger generated run: 300 jobs with failures and retries (pegasus-synth, monitord --replay)"
run=demo/synth
pegasus-synth --jobs 300 --seed 42 --fail-rate 0.05 --out "$run"
pegasus-monitord --replay "$run"/*.dag.dagman.out
pegasus-statistics -s summary -o demo/synth-statistics "$run" >/dev/null && grep -v '^#' demo/synth-statistics/summary.txt || true

db=$(ls "$submit"/*.stampede.duckdb)
echo
echo "Database of the example run: $db"
echo "Try, with the duckdb shell (https://duckdb.org) or any DuckDB client, release 1.2.0 or later:"
echo "  duckdb $db \"SELECT exec_job_id, try, status, runtime_seconds FROM job_try ORDER BY runtime_seconds DESC LIMIT 5\""
