#!/usr/bin/env bash
# make pgo: refresh cmd/pegasus-monitord/default.pgo, the CPU profile the Go
# compiler optimises pegasus-monitord with (profile-guided optimisation: go
# build uses a main package's default.pgo by itself). The profile is merged
# from replays of generated runs: three of 100,000 jobs (the hot paths of a
# big replay) and five of 1,000 jobs (start-up and the small-load path).
# Inputs are those of make bench, cached in benchdata/ (the 100,000-job run
# takes about 2 GB). Refresh the profile after large changes to the ingest
# or loader code, then compare the replay's speed (BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
mkdir -p benchdata/pgo
rm -f benchdata/pgo/*.prof
for n in 100000 1000; do
	dir=benchdata/run-$n
	if [ ! -f "$dir/truth.json" ]; then
		rm -rf "$dir"
		echo "generating a $n-job run in $dir ..."
		"$BIN/pegasus-synth" --jobs "$n" --seed 1 --fail-rate 0.05 --out "$dir" >/dev/null
	fi
	runs=3
	[ "$n" = 1000 ] && runs=5
	for i in $(seq "$runs"); do
		rm -f "$dir"/*.stampede.duckdb "$dir"/jobstate.log.*
		PEGASUS_CPUPROFILE="benchdata/pgo/$n-$i.prof" "$BIN/pegasus-monitord" --replay -q "$dir"/*.dag.dagman.out
	done
done
# -symbolize=none: a sample taken in C code (DuckDB, libc) may have a frame
# without a function; pprof would then symbolize every frame again from the
# binary, without the functions' start lines, and the compiler refuses a
# profile without them.
go tool pprof -symbolize=none -proto benchdata/pgo/*.prof >cmd/pegasus-monitord/default.pgo
echo "wrote cmd/pegasus-monitord/default.pgo ($(wc -c <cmd/pegasus-monitord/default.pgo) bytes); rebuild with make build"
