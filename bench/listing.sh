#!/usr/bin/env bash
# The product listing's p99 (issues 6, 22, 23) on the reference CSV (484,870 products), on
# SQLite and on a throwaway PostgreSQL in the same run: `importer serve` with the file imported,
# then wrk, one connection, 3 s per query (the queries and targets of bench/run.sh).
# Usage: [VACUUM=1] bench/listing.sh [sqlite|postgres|both]   (default both; needs wrk, curl, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
work=$(mktemp -d)
server="" pg_dir=""
trap '[ -n "$server" ] && kill -9 "$server" 2>/dev/null; [ -n "$pg_dir" ] && scripts/pg-throwaway.sh stop "$pg_dir"; rm -rf "$work"' EXIT
swift build -c release --product importer >/dev/null 2>&1
bin=.build/release/importer
python3 ../shared/tools/gen_products.py 500000 "$work/products.csv" >/dev/null
queries=("sku=premium" "sku=p" "active=true" "sku=premium&active=true" "name=silva" "description=river" "description=zzzqqq")

measure() { # $1: label, $2: database URL or ""
    local port env=()
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    [ -n "$2" ] && env=(IMPORTER_DATABASE_URL="$2")
    env "${env[@]}" "$bin" serve --data-dir "$work/$1" --port "$port" --log-level warning >"$work/$1.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    env "${env[@]}" timeout 300 "$bin" import "$work/products.csv" --wait --data-dir "$work/$1" >/dev/null 2>&1
    sleep 2
    # VACUUM=1: PostgreSQL's steady state, as autovacuum leaves it a while after an import (the
    # visibility map set, so that counts are index-only scans).
    if [ -n "$2" ] && [ "${VACUUM:-0}" = 1 ]; then psql "${2%%\?*}" -qc "VACUUM (ANALYZE) listing.products" >/dev/null; fi
    for query in "${queries[@]}"; do
        p99=$(timeout 60 wrk -t1 -c1 -d3s --latency "http://127.0.0.1:$port/api/v1/products?$query" | awk '
            /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}')
        echo "$1 $query $p99"
    done
    kill -TERM "$server"; wait "$server" 2>/dev/null || true
    server=""
}
if [ "$which" != postgres ]; then measure sqlite "" >>"$work/results.txt"; fi
if [ "$which" != sqlite ]; then
    read -r pg_dir pg_url < <(scripts/pg-throwaway.sh start)
    measure postgres "$pg_url?sslmode=disable&schema=listing" >>"$work/results.txt"
fi
python3 - "$work/results.txt" <<'PY'
import sys
targets = {"sku=premium": 20, "sku=p": 20, "active=true": 20, "sku=premium&active=true": 20,
           "name=silva": 250, "description=river": 250, "description=zzzqqq": 250}
results = {}
for line in open(sys.argv[1]):
    backend, query, p99 = line.split()
    results.setdefault(query, {})[backend] = float(p99)
backends = [b for b in ("sqlite", "postgres") if any(b in r for r in results.values())]
print("| listing p99 (ms, 484,870 products) | " + " | ".join(backends) + " | target |")
print("| --- | " + " | ".join("---:" for _ in backends) + " | ---: |")
for query, target in targets.items():
    cells = " | ".join(f"{results.get(query, {}).get(b, float('nan')):.2f}" for b in backends)
    print(f"| ?{query} | {cells} | {target} |")
PY
