#!/usr/bin/env bash
# The import on PostgreSQL (issue 22): `importer import FILE --wait` with a running worker, both
# on `--database-url`, of the reference CSV, twice (the second time every row is an update),
# against the seed stack's way — a Celery task's body (csv + psycopg2 `execute_values` upserts of
# 5,000 rows, bench/celery/tasks.py) into the same server, run by the benchmark's Python as a
# Celery worker would run it (the dispatch costs milliseconds). One throwaway PostgreSQL for both
# (scripts/pg-throwaway.sh), stopped at the end. Then the same binary on SQLite, in the same run.
# Usage: bench/import-postgres.sh [ROWS]   (default 500000; needs the Celery venv of bench/celery)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-500000}
work=$(mktemp -d)
venv=${BENCH_VENV:-/tmp/importer-bench-celery-venv}
read -r pg_dir pg_url < <(scripts/pg-throwaway.sh start)
trap 'kill $(jobs -p) 2>/dev/null || true; scripts/pg-throwaway.sh stop "$pg_dir"; rm -rf "$work"' EXIT
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q "celery[redis]>=5,<6"; }
"$venv/bin/python" -c "import psycopg2" 2>/dev/null || "$venv/bin/pip" install -q psycopg2-binary

swift build -c release --product importer >/dev/null
bin=.build/release/importer
csv="$work/products.csv"
python3 ../shared/tools/gen_products.py "$rows" "$csv" >/dev/null
url="$pg_url?sslmode=disable&schema=bench"

"$bin" worker --data-dir "$work/data" --database-url "$url" --log-level warning 2>"$work/worker.log" &
worker=$!
sleep 2
# Seconds `$@` takes (its output to the log).
timed() { local start; start=$(date +%s.%N); "$@" >>"$work/run.log" 2>&1; printf %.2f "$(echo "$(date +%s.%N) - $start" | bc)"; }
first=$(timed timeout 900 "$bin" import "$csv" --wait --data-dir "$work/data" --database-url "$url")
again=$(timed timeout 900 "$bin" import "$csv" --wait --data-dir "$work/data" --database-url "$url")
peak=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' /proc/$worker/status)
kill -TERM $worker; wait $worker 2>/dev/null || true
products=$(psql "$pg_url" -qAtc "SELECT count(*) FROM bench.products")

# The same binary on SQLite in the data directory: what PostgreSQL costs on one box.
"$bin" worker --data-dir "$work/sqlite" --log-level warning 2>"$work/sqlite-worker.log" &
sqlite_worker=$!
sleep 2
sqlite_first=$(timed timeout 900 "$bin" import "$csv" --wait --data-dir "$work/sqlite")
sqlite_again=$(timed timeout 900 "$bin" import "$csv" --wait --data-dir "$work/sqlite")
kill -TERM $sqlite_worker; wait $sqlite_worker 2>/dev/null || true

celery() { "$venv/bin/python" -c "import sys; sys.path.insert(0, 'bench/celery'); from tasks import import_csv_pg; print(import_csv_pg('$csv', '$pg_url', 'celery'))" >/dev/null; }
celery_first=$(timed celery)
celery_again=$(timed celery)
celery_products=$(psql "$pg_url" -qAtc "SELECT count(*) FROM celery.products")

ratio() { echo "scale=2; $1 / $2" | bc; }
echo "| $rows rows on PostgreSQL $(psql "$pg_url" -qAtc 'SHOW server_version') | importer | Celery task (psycopg2) | ratio | importer on SQLite | PostgreSQL / SQLite |"
echo "|---|---|---|---|---|---|"
echo "| first import (s) | $first | $celery_first | $(ratio "$first" "$celery_first") | $sqlite_first | $(ratio "$first" "$sqlite_first") |"
echo "| same file again, every row an update (s) | $again | $celery_again | $(ratio "$again" "$celery_again") | $sqlite_again | $(ratio "$again" "$sqlite_again") |"
echo "| products | $products | $celery_products | | | |"
echo "| worker peak RSS (MB) | $peak | | | | |"
