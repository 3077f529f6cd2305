#!/usr/bin/env bash
# What a release binary must do on a host without Swift (issue 20), shared by
# scripts/hidden-toolchain-test.sh and scripts/clean-host-test.sh: print its version, serve
# /healthz, run test_task, and import a 20,000-row CSV (quoted commas, quotes, newlines,
# non-ASCII, one SKU repeated in another case). COMMAND runs the binary (e.g. `chroot ROOT
# /importer`); the checks are made from this host with curl and python3, on 127.0.0.1. The server
# is stopped by its pid.
# Usage: scripts/release-smoke.sh HOST_DIR DIR COMMAND...   (DIR is HOST_DIR as COMMAND sees it)
set -euo pipefail
. "$(dirname "$0")/../bench/common.sh"
host_dir=$1 dir=$2
shift 2
python3 - "$host_dir/products.csv" <<'PY'
import csv, sys
with open(sys.argv[1], "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out)
    writer.writerow(["sku", "name", "description"])
    for i in range(20000):
        writer.writerow([f"RS-{i:05d}", f"Chaise n°{i}, \"confort\"", f"ligne 1\nligne 2, {i} — ünïcode"])
    writer.writerow(["rs-00007", "the same SKU again, in another case", "the last one wins"])
PY
echo "version: $("$@" --version)"
port=$(free_port)
"$@" serve --port "$port" --data-dir "$dir/data" --log-level warning >"$host_dir/serve.log" 2>&1 &
server=$!
trap 'kill -9 $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >"$host_dir/health.json" && break; sleep 0.1; done
echo "healthz: $(cat "$host_dir/health.json")"
grep -q '"healthy"' "$host_dir/health.json"
echo "test_task: $(timeout 60 "$@" call app.tasks.product_tasks.test_task --wait --data-dir "$dir/data")"
began=$(date +%s%N)
timeout 300 "$@" import "$dir/products.csv" --wait --data-dir "$dir/data" >"$host_dir/import.txt"
echo "import of 20,001 rows: $(( ($(date +%s%N) - began) / 1000000 )) ms: $(tr '\n' ' ' <"$host_dir/import.txt")"
total=$(curl -sf "http://127.0.0.1:$port/api/v1/products?limit=1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')
[ "$total" = 20000 ] || { echo "release-smoke: expected 20,000 products, found $total" >&2; cat "$host_dir/serve.log" >&2; exit 1; }
echo "products: $total"
kill -TERM "$server"
wait "$server" || true
