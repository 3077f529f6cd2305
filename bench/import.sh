#!/usr/bin/env bash
# Import benchmark (issue 5): our end-to-end import of the reference CSV against the sqlite3 CLI
# doing `.import` into a TEMP staging table plus one INSERT … SELECT … ON CONFLICT DO UPDATE, into
# (a) a table with an INTEGER rowid key and (b) a table shaped like ours (TEXT id primary key,
# WITHOUT ROWID; the CLI cannot make UUIDv7, so its ids are random hex).
# Usage: bench/import.sh [ROWS]   (default 500000; needs sqlite3 and python3). Every step is
# bounded by `timeout`; the worker is stopped by its pid, the work directory removed.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-500000}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }

swift build -c release >/dev/null
bin=.build/release/importer
csv="$work/products.csv"
python3 ../shared/tools/gen_products.py "$rows" "$csv" >/dev/null
size=$(stat -c %s "$csv")

# Ours: a worker, then `importer import --wait` (parse, validate, upsert, checkpoints, progress).
"$bin" worker --data-dir "$work/data" --log-level warning 2>"$work/worker.log" &
worker=$!
for _ in $(seq 50); do [ -f "$work/data/queue.sqlite" ] && break; sleep 0.1; done
sleep 1
start=$(date +%s.%N)
timeout 900 "$bin" import "$csv" --wait --data-dir "$work/data" >"$work/result.json" 2>/dev/null
ours=$(echo "$(date +%s.%N) - $start" | bc)
# The same file again: every row now updates an existing product.
start=$(date +%s.%N)
timeout 900 "$bin" import "$csv" --wait --data-dir "$work/data" >/dev/null 2>&1
again=$(echo "$(date +%s.%N) - $start" | bc)
peak=$(awk '/VmHWM/ {print $2}' /proc/$worker/status)
kill -TERM $worker; wait $worker 2>/dev/null || true
created=$(python3 -c "import json;print(json.load(open('$work/result.json'))['created'])")

# References: the sqlite3 CLI, into a rowid table and into a table shaped like ours.
reference() { # $1: CREATE TABLE statement, $2: id expression ("" for rowid)
    local db="$work/ref-$RANDOM.sqlite"
    local id_column="" id_value=""
    [ -n "$2" ] && id_column="id, " && id_value="$2, "
    cat >"$work/ref.sql" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
$1
CREATE UNIQUE INDEX products_sku_key ON products(sku_key);
CREATE TEMP TABLE staging (name TEXT, sku TEXT, description TEXT);
.mode csv
.import --skip 1 $csv staging
INSERT INTO products (${id_column}sku, sku_key, name, description, created_at, updated_at)
  SELECT ${id_value}trim(sku), lower(trim(sku)), name, description, unixepoch(), unixepoch() FROM temp.staging WHERE true
  ON CONFLICT(sku_key) DO UPDATE SET sku = excluded.sku, name = excluded.name, description = excluded.description,
  updated_at = excluded.updated_at;
SELECT count(*) FROM products;
SQL
    local start
    start=$(date +%s.%N)
    reference_count=$(timeout 1800 sqlite3 "$db" <"$work/ref.sql" | tail -1)
    elapsed=$(echo "$(date +%s.%N) - $start" | bc)
}
reference "CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, sku_key TEXT NOT NULL, name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1, created_at REAL, updated_at REAL);" ""
rowid=$elapsed
reference "CREATE TABLE products (id TEXT PRIMARY KEY NOT NULL, sku TEXT NOT NULL, sku_key TEXT NOT NULL, name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1, created_at REAL NOT NULL, updated_at REAL NOT NULL) WITHOUT ROWID;" \
  "lower(hex(randomblob(16)))"
shaped=$elapsed

printf '| rows | file MB | ours (s) | CLI, rowid table (s) | ratio | CLI, table like ours (s) | ratio | products (ours / CLI) | worker peak RSS (MB) | ours, same file again (s) |\n'
printf '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
printf '| %s | %.1f | %.2f | %.2f | %.2f | %.2f | %.2f | %s / %s | %.1f | %.2f |\n' "$rows" "$(echo "$size/1000000" | bc -l)" "$ours" \
    "$rowid" "$(echo "$ours/$rowid" | bc -l)" "$shaped" "$(echo "$ours/$shaped" | bc -l)" "$created" "$reference_count" \
    "$(echo "$peak/1000" | bc -l)" "$again"
