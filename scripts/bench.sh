#!/usr/bin/env bash
# make bench: time the real commands (whole process, wall clock, peak RSS) on
# generated runs. Generated inputs are cached in benchdata/ (delete it to
# regenerate). SIZES overrides the run sizes, e.g. SIZES="1000 100000 1000000".
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
SIZES=${SIZES:-"1000 100000"}
mkdir -p benchdata
T=/usr/bin/time

measure() { # label, command...: prints wall time and peak RSS, sets WALL
	local label=$1; shift
	if ! $T -f "%e %M" -o /tmp/bench.time "$@" >/dev/null 2>/tmp/bench.err; then
		echo "$label: failed" >&2; cat /tmp/bench.err >&2; return 1
	fi
	local rss
	read -r WALL rss </tmp/bench.time
	printf "%-48s %8.2f s %8d MiB\n" "$label" "$WALL" "$((rss / 1024))"
}

for n in $SIZES; do
	dir=benchdata/run-$n
	if [ ! -f "$dir/truth.json" ]; then
		rm -rf "$dir"
		echo "generating a $n-job run in $dir ..."
		$T -f "pegasus-synth --jobs $n: %e s, %M KiB" "$BIN/pegasus-synth" --jobs "$n" --seed 1 --fail-rate 0.05 --out "$dir" >/dev/null
	fi
	rm -f "$dir"/*.stampede.duckdb "$dir"/jobstate.log.*
	measure "pegasus-monitord --replay ($n jobs)" "$BIN/pegasus-monitord" --replay -q "$dir"/*.dag.dagman.out
	awk -v n="$n" -v w="$WALL" 'BEGIN { printf "%-48s %8.0f jobs/s\n", "  = ", n / w }'
	if [ -x "$BIN/pegasus-statistics" ]; then
		measure "pegasus-statistics -s all ($n jobs)" "$BIN/pegasus-statistics" -s all -o "$dir/statistics" "$dir"
	fi
	if [ -x "$BIN/pegasus-analyzer" ]; then
		# exit 1 means "the workflow failed": still a good run of the analyzer
		measure "pegasus-analyzer ($n jobs)" sh -c '"$0" "$1" >/dev/null; [ $? -le 1 ]' "$BIN/pegasus-analyzer" "$dir"
		measure "pegasus-analyzer --json ($n jobs)" sh -c '"$0" --json "$1" >/dev/null; [ $? -le 1 ]' "$BIN/pegasus-analyzer" "$dir"
	fi
	if [ -x "$BIN/pegasus-plots" ]; then
		measure "pegasus-plots ($n jobs)" "$BIN/pegasus-plots" -o "$dir/plots" "$dir"
	fi
done

# Planning: Montage-shaped workflows of PLAN_SIZES tasks, default options,
# into a fresh directory each time (see BENCHMARKS.md on ext4 and deletions).
for n in ${PLAN_SIZES:-10000 100000}; do
	m=benchdata/montage-$n
	[ -f "$m/montage.dax" ] || go run ./planner/montage/montage-dax -n "$n" -o "$m" >/dev/null
	out=$m/submit-$(date +%s%N)
	measure "pegasus-plan ($n tasks)" "$BIN/pegasus-plan" --conf "$m/pegasus.properties" --dax "$m/montage.dax" \
		--dir "$out" --output-site local
done
