#!/usr/bin/env bash
# Import benchmark (issues 5 and 23): our end-to-end import of the reference CSV against the
# sqlite3 CLI's fastest honest form (issue 23): a rowid table with `sku TEXT COLLATE NOCASE
# UNIQUE`, `.import` into a TEMP staging table, one `INSERT … SELECT … ORDER BY rowid ON CONFLICT
# DO UPDATE` — each side twice on its own database (the second time every row is an update), in
# ROUNDS rounds (default 3) interleaved, medians reported. Then, once, the older references: the
# CLI into a rowid table keyed by `sku_key`, and into a table shaped like ours (TEXT id primary
# key, WITHOUT ROWID; random hex ids, the CLI cannot make UUIDv7).
# Usage: [ROUNDS=N] bench/import.sh [ROWS]   (default 500000; needs sqlite3 and python3). Every
# step is bounded by `timeout`; workers are stopped by their pids, the work directory removed.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-500000}
rounds=${ROUNDS:-3}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }

swift build -c release >/dev/null
bin=.build/release/importer
csv="$work/products.csv"
python3 ../shared/tools/gen_products.py "$rows" "$csv" >/dev/null
size=$(stat -c %s "$csv")

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# Ours: a worker, then `importer import --wait` (copy into uploads, parse, validate, sort, merge,
# checkpoints, progress), twice; the worker's peak RSS over both.
ours_round() { # $1: round
    local data="$work/ours-$1" worker start
    "$bin" worker --data-dir "$data" --log-level warning 2>"$work/worker-$1.log" &
    worker=$!
    for _ in $(seq 50); do [ -f "$data/queue.sqlite" ] && break; sleep 0.1; done
    sleep 1
    start=$(now)
    timeout 900 "$bin" import "$csv" --wait --data-dir "$data" >"$work/result.json" 2>/dev/null
    ours+=("$(since "$start")")
    start=$(now)
    timeout 900 "$bin" import "$csv" --wait --data-dir "$data" >/dev/null 2>&1
    again+=("$(since "$start")")
    peaks+=("$(awk '/VmHWM/ {print $2}' /proc/$worker/status)")
    kill -TERM $worker; wait $worker 2>/dev/null || true
    rm -rf "$data"
}

# The CLI's fast form (issue 23), twice on one database.
fast_round() { # $1: round
    local db="$work/fast-$1.sqlite" start
    cat >"$work/fast.sql" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, sku TEXT COLLATE NOCASE UNIQUE, name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1, created_at REAL, updated_at REAL);
CREATE TEMP TABLE staging (name TEXT, sku TEXT, description TEXT);
.mode csv
.import --skip 1 $csv staging
INSERT INTO products (sku, name, description, created_at, updated_at)
  SELECT trim(sku), name, description, unixepoch(), unixepoch() FROM temp.staging WHERE true ORDER BY rowid
  ON CONFLICT(sku) DO UPDATE SET sku = excluded.sku, name = excluded.name, description = excluded.description,
  updated_at = excluded.updated_at;
SELECT count(*) FROM products;
SQL
    start=$(now)
    fast_count=$(timeout 1800 sqlite3 "$db" <"$work/fast.sql" | tail -1)
    fast+=("$(since "$start")")
    start=$(now)
    timeout 1800 sqlite3 "$db" <"$work/fast.sql" >/dev/null
    fast_again+=("$(since "$start")")
    rm -f "$db" "$db-wal" "$db-shm"
}

ours=() again=() peaks=() fast=() fast_again=()
for round in $(seq "$rounds"); do
    ours_round "$round"
    fast_round "$round"
done
created=$(python3 -c "import json;print(json.load(open('$work/result.json'))['created'])")
echo "rounds: ours ${ours[*]} / again ${again[*]}; CLI fast form ${fast[*]} / again ${fast_again[*]}" >&2
ours=$(median "${ours[@]}") again=$(median "${again[@]}") peak=$(median "${peaks[@]}")
fast=$(median "${fast[@]}") fast_again=$(median "${fast_again[@]}")

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

printf '| rows | file MB | ours (s) | CLI fast form (s) | ratio | ours again (s) | CLI fast form again (s) | ratio | CLI, rowid table by sku_key (s) | CLI, table like ours (s) | products (ours / CLI) | worker peak RSS (MB) |\n'
printf '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
printf '| %s | %.1f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s / %s | %.1f |\n' "$rows" "$(echo "$size/1000000" | bc -l)" \
    "$ours" "$fast" "$(echo "$ours/$fast" | bc -l)" "$again" "$fast_again" "$(echo "$again/$fast_again" | bc -l)" \
    "$rowid" "$shaped" "$created" "$fast_count" "$(echo "$peak/1000" | bc -l)"
