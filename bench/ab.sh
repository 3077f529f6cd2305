#!/usr/bin/env bash
# A/B of two release builds on the same machine, back to back (issue 15: "no loss of speed"):
# the queue benchmark (`importer bench queue --synchronous normal`: drain of 10,000 pre-filled
# no-ops with 2 slots, enqueue→start p50) and the end-to-end import of the reference CSV
# (a worker plus `importer import --wait`, fresh data directory), alternating A and B each round.
# Prints every round and the medians.
# Usage: bench/ab.sh A_BINARY B_BINARY [ROUNDS] [ROWS]   (defaults: 3 rounds, 500000 rows)
set -euo pipefail
cd "$(dirname "$0")/.."
a=$1 b=$2 rounds=${3:-3} rows=${4:-500000}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 ../shared/tools/gen_products.py "$rows" "$work/products.csv" >/dev/null

queue() { # $1: binary → "drain p50"
    local line
    line=$(timeout 600 "$1" bench queue --synchronous normal 2>/dev/null | grep '^| normal')
    IFS='|' read -r _ _ drain _ _ _ latency _ <<<"$line"
    echo "$(echo "$drain" | xargs) $(echo "$latency" | awk -F/ '{print $1}' | xargs)"
}

import() { # $1: binary → seconds
    local data="$work/data-$RANDOM" worker start
    "$1" worker --data-dir "$data" --log-level warning 2>/dev/null &
    worker=$!
    for _ in $(seq 50); do [ -f "$data/queue.sqlite" ] && break; sleep 0.1; done
    sleep 1
    start=$(date +%s.%N)
    timeout 900 "$1" import "$work/products.csv" --wait --data-dir "$data" >/dev/null 2>&1
    echo "$(date +%s.%N) - $start" | bc
    kill -TERM "$worker"; wait "$worker" 2>/dev/null || true
    rm -rf "$data"
}

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

: >"$work/a" ; : >"$work/b"
echo "| round | build | drain (jobs/s) | enqueue→start p50 (ms) | import $rows rows (s) |"
echo "| --- | --- | ---: | ---: | ---: |"
for round in $(seq "$rounds"); do
    for side in a b; do
        bin=${!side}
        read -r drain p50 < <(queue "$bin")
        seconds=$(import "$bin")
        echo "$drain $p50 $seconds" >>"$work/$side"
        echo "| $round | $side | $drain | $p50 | $seconds |"
    done
done
for side in a b; do
    echo "| median | $side | $(cut -d' ' -f1 "$work/$side" | median) | $(cut -d' ' -f2 "$work/$side" | median) | $(cut -d' ' -f3 "$work/$side" | median) |"
done
