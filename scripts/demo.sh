#!/usr/bin/env bash
# make demo: generate a realistic workflow run, load it with pegasus-monitord,
# and show what a user can do with it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
run=demo/run
rm -rf demo
mkdir -p demo

echo "== 1. A workflow run: 300 jobs, a few failures and retries (pegasus-synth)"
"$BIN/pegasus-synth" --jobs 300 --seed 42 --fail-rate 0.05 --out "$run"

echo
echo "== 2. Load it into a Stampede database (pegasus-monitord --replay)"
"$BIN/pegasus-monitord" --replay "$run"/*.dag.dagman.out

db=$(ls "$run"/*.stampede.duckdb)
if [ -x "$BIN/pegasus-statistics" ]; then
	echo
	echo "== 3. Statistics (pegasus-statistics)"
	"$BIN/pegasus-statistics" -s all "$run" || true
fi
if [ -x "$BIN/pegasus-analyzer" ]; then
	echo
	echo "== 4. What failed (pegasus-analyzer)"
	"$BIN/pegasus-analyzer" "$run" | head -40 || true
fi

echo
echo "Database: $db"
echo "Try, with the duckdb shell (https://duckdb.org) or any DuckDB client:"
echo "  duckdb $db \"SELECT exec_job_id, try, status, runtime_seconds FROM job_try ORDER BY runtime_seconds DESC LIMIT 5\""
