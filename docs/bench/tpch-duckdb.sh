#!/usr/bin/env bash
# TPC-H: recq against DuckDB, on the same generated tables, in the same run.
# A benchmark, not a test: nothing in go test or CI runs it. Results and how
# to read them: docs/benchmarks.md ("TPC-H against DuckDB").
#
#   docs/bench/tpch-duckdb.sh [--scale SF] [--dir DIR] [--runs N] [--threads N] [--only 3,9]
#
#   --scale   TPC-H scale factor (default 1: about 1.4 GB of .rec files)
#   --dir     scratch directory, outside the repository (default
#             $TMPDIR/recq-tpch-sf$SCALE); holds bin/, data/ (.rec), parquet/
#             and node/ (the npm install). Reused by later runs: tables and
#             Parquet files already there are not generated again.
#   --runs    timed runs of each query in each engine (default 5)
#   --threads DuckDB threads and recq scan workers (default 2)
#   --only    comma-separated query numbers (default: all 22)
#
# Steps: build recq and the in-process runner (docs/bench/tpchrun); generate
# the eight tables with `recq gen`; export each to Parquet with
# `recq -m parquet -o`; `npm install @duckdb/node-api` into DIR/node; then
# docs/bench/duckdb-tpch.mjs loads the Parquet files into DuckDB in-memory
# tables, starts the runner (which warms the .rec files) and times the
# queries, interleaved. Everything runs under `nice`. Needs go, node and npm.
set -euo pipefail

scale=1 dir="" runs=5 threads=2 only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tpch-duckdb.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
duckdb_pkg='@duckdb/node-api@1.5.6-r.1'
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=${dir:-${TMPDIR:-/tmp}/recq-tpch-sf$scale}
case "$(cd "$(dirname "$dir")" 2>/dev/null && pwd)/" in
  "$repo"/*) echo "tpch-duckdb.sh: --dir $dir is inside the repository; choose a scratch directory" >&2; exit 2 ;;
esac
for tool in go node npm; do
  command -v "$tool" >/dev/null || { echo "tpch-duckdb.sh: $tool is not on PATH" >&2; exit 2; }
done
mkdir -p "$dir/bin" "$dir/data" "$dir/parquet" "$dir/node"
tables="nation region supplier customer part partsupp orders lineitem"

echo "== build"
(cd "$repo" && nice go build -o "$dir/bin/recq" ./cmd/recq && nice go build -o "$dir/bin/tpchrun" ./docs/bench/tpchrun)
recq="$dir/bin/recq"

echo "== generate SF $scale into $dir/data"
for t in $tables; do
  [ -s "$dir/data/$t.rec" ] || nice "$recq" gen --table "$t" --scale "$scale" --out "$dir/data/$t.rec"
done

echo "== export Parquet into $dir/parquet"
for t in $tables; do
  [ -s "$dir/parquet/$t.parquet" ] ||
    nice "$recq" --data "$dir/data" -m parquet -o "$dir/parquet/$t.parquet" -c "SELECT * FROM $t"
done

echo "== npm install $duckdb_pkg into $dir/node"
if [ ! -d "$dir/node/node_modules/@duckdb/node-api" ]; then
  (cd "$dir/node" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    nice npm install --no-audit --no-fund "$duckdb_pkg")
fi

echo "== run: $runs timed runs per query and engine, $threads threads"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); cpus: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "recq: $(cd "$repo" && git rev-parse --short HEAD)"
args=(--node-dir "$dir/node" --parquet "$dir/parquet" --runner "$dir/bin/tpchrun"
  --data "$dir/data" --queries "$repo/testdata/tpch" --runs "$runs" --threads "$threads")
[ -n "$only" ] && args+=(--only "$only")
nice node "$repo/docs/bench/duckdb-tpch.mjs" "${args[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
