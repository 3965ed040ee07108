#!/usr/bin/env bash
# make bench: time the real commands (whole process, wall clock, peak RSS) on
# generated runs. Generated inputs are cached in benchdata/ (delete it to
# regenerate). SIZES overrides the run sizes, e.g. SIZES="1000 100000 1000000"
# (a million-job submit directory takes about 20 GB); DB_SIZES the sizes of
# the databases written directly (pegasus-synth --stampede) on which the
# reporting tools are timed too; PLAN_SIZES the planned workflows' sizes;
# EXEC_JOBS=0 skips the executor benchmark; COLD=1 (as root) also replays
# each run from a cold page cache.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
SIZES=${SIZES:-"1000 100000"}
mkdir -p benchdata
T=/usr/bin/time

measure() { # label, command...: prints wall time, CPU time and peak RSS, sets WALL
	local label=$1; shift
	if ! $T -f "%e %U %S %M" -o /tmp/bench.time "$@" >/dev/null 2>/tmp/bench.err; then
		echo "$label: failed" >&2; cat /tmp/bench.err >&2; return 1
	fi
	local usr sys rss
	read -r WALL usr sys rss </tmp/bench.time
	printf "%-48s %8.2f s wall %7.2f s cpu %7d MiB\n" "$label" "$WALL" "$(awk -v u="$usr" -v s="$sys" 'BEGIN { print u + s }')" "$((rss / 1024))"
}

reports() { # label, database or submit dir, extra option: times the reporting tools on it
	local what=$1 in=$2 opt=$3
	measure "pegasus-statistics -s all ($what)" "$BIN/pegasus-statistics" -s all -o "benchdata/out/statistics" $opt "$in"
	# exit 1 means "the workflow failed": still a good run of the analyzer
	measure "pegasus-analyzer ($what)" sh -c '"$0" $1 "$2" >/dev/null; [ $? -le 1 ]' "$BIN/pegasus-analyzer" "$opt" "$in"
	measure "pegasus-analyzer --json ($what)" sh -c '"$0" --json $1 "$2" >/dev/null; [ $? -le 1 ]' "$BIN/pegasus-analyzer" "$opt" "$in"
	measure "pegasus-plots ($what)" "$BIN/pegasus-plots" -o "benchdata/out/plots" $opt "$in"
}

for n in $SIZES; do
	dir=benchdata/run-$n
	if [ ! -f "$dir/truth.json" ]; then
		rm -rf "$dir"
		echo "generating a $n-job run in $dir ..."
		$T -f "pegasus-synth --jobs $n: %e s, %M KiB" "$BIN/pegasus-synth" --jobs "$n" --seed 1 --fail-rate 0.05 --out "$dir" >/dev/null
	fi
	# Once unmeasured, so that the timed replay finds the files in the page
	# cache (just after generating them, some are not: see COLD below).
	"$BIN/pegasus-monitord" --replay -q --no-events "$dir"/*.dag.dagman.out >/dev/null
	rm -f "$dir"/*.stampede.duckdb "$dir"/jobstate.log.*
	measure "pegasus-monitord --replay ($n jobs)" "$BIN/pegasus-monitord" --replay -q "$dir"/*.dag.dagman.out
	awk -v n="$n" -v w="$WALL" 'BEGIN { printf "%-48s %8.0f jobs/s\n", "  = ", n / w }'
	if [ -n "${COLD:-}" ]; then
		# The same replay with the run's files out of the page cache (as
		# root: drop_caches empties the whole machine's cache).
		rm -f "$dir"/*.stampede.duckdb "$dir"/jobstate.log.*
		sync && echo 3 >/proc/sys/vm/drop_caches
		measure "pegasus-monitord --replay ($n jobs, cold cache)" "$BIN/pegasus-monitord" --replay -q "$dir"/*.dag.dagman.out
	fi
	reports "$n jobs, replayed" "$dir" ""
done

# The reporting tools on databases written directly, for sizes whose
# submit directories would not fit on disk.
for n in ${DB_SIZES:-1000000}; do
	db=benchdata/db-$n.duckdb
	[ -f "$db" ] || "$BIN/pegasus-synth" -q --jobs "$n" --stampede "$db"
	reports "$n jobs, database" "$db" "--dest"
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

# The executor: kickstart-wrapped /bin/true jobs at -j 2, whole
# pegasus-dagman process (see executor/bench_test.go).
if [ "${EXEC_JOBS:-1}" != 0 ]; then
	go test ./executor -run '^$' -bench 'NoopJobsCommand$' -benchtime 1x | grep -E 'ns/job|^ok|FAIL'
fi
