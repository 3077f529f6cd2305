#!/usr/bin/env bash
# Product management benchmark (issue 16), release build, the reference CSV (484,870 products):
#   - GET /api/v1/products/{id} and PUT /api/v1/products/{id} (random ids, 16 connections, 10 s
#     each, wrk --latency): requests/s and p99 — PUT's requests/s is the sustained update rate;
#   - DELETE /api/v1/products/all: the time to answer, the time until its status is SUCCESS and
#     the task's own run time, while readers page the listing (GET /api/v1/products?limit=20:
#     4 connections, each a request every 10 ms, ~400/s — its p99); then once more with the
#     listing under saturating load (4 connections without pause) on a second catalogue.
# Prints a table (measure, ours, target). Every step is bounded; the server is stopped by its pid.
# Usage: [BENCH_BINARY=path] bench/products.sh [ROWS]   (default 500000; needs wrk, sqlite3, curl, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-500000}
. bench/common.sh
need wrk sqlite3 curl
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill -9 "$server" 2>/dev/null; rm -rf "$work"' EXIT
log() { echo "== $*" >&2; }

[ -n "${BENCH_BINARY:-}" ] || log "release build"
importer_binary
python3 ../shared/tools/gen_products.py "$rows" "$work/products.csv" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --data-dir "$work/data" --port "$port" --log-level warning >"$work/serve.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port/api/v1"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
log "import $rows rows"
timeout 900 "$bin" import "$work/products.csv" --wait --data-dir "$work/data" >/dev/null 2>&1
total=$(curl -s "$base/products?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
sqlite3 "file:$work/data/catalog.sqlite?mode=ro" "SELECT id FROM products ORDER BY random() LIMIT 20000" >"$work/ids"

cat >"$work/get.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  return wrk.format("GET", "/api/v1/products/" .. ids[math.random(#ids)])
end
LUA
cat >"$work/put.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local headers = { ["Content-Type"] = "application/json" }
request = function()
  local body = '{"name": "Renamed ' .. math.random(1000000) .. '", "active": ' .. (math.random(2) == 1 and "true" or "false") .. '}'
  return wrk.format("PUT", "/api/v1/products/" .. ids[math.random(#ids)], headers, body)
end
LUA
# wrk's report → "requests/s p99_ms non2xx"
summary() {
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()
p99 = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rate:.0f} {p99:.2f} {bad.group(1) if bad else 0}")
PY
}
log "GET one product (wrk -t2 -c16 -d10s)"
IDS="$work/ids" timeout 60 wrk -t2 -c16 -d10s --latency -s "$work/get.lua" "http://127.0.0.1:$port" >"$work/get.txt"
read -r get_rate get_p99 get_bad < <(summary "$work/get.txt")
log "PUT one product (wrk -t2 -c16 -d10s)"
IDS="$work/ids" timeout 60 wrk -t2 -c16 -d10s --latency -s "$work/put.lua" "http://127.0.0.1:$port" >"$work/put.txt"
read -r put_rate put_p99 put_bad < <(summary "$work/put.txt")

cat >"$work/paced.lua" <<'LUA'
delay = function() return 10 end
LUA
# DELETE /products/all while wrk reads the listing (the arguments: wrk's extra options); prints
# "answered_s done_s status run_s listing_p99_ms listing_non2xx".
bulk_delete() {
    timeout 60 wrk -t1 -c4 -d4s --latency "$@" "$base/products?limit=20" >"$work/list.txt" &
    local lister=$! answer done_at status task run list_p99 list_bad
    sleep 0.5
    read -r answer done_at status task < <(python3 - "$base" <<'PY'
import json, sys, time, urllib.request
base = sys.argv[1]
start = time.monotonic()
request = urllib.request.Request(base + "/products/all", method="DELETE")
task = json.load(urllib.request.urlopen(request))["task_id"]
answered = time.monotonic() - start
while True:
    status = json.load(urllib.request.urlopen(f"{base}/products/delete/{task}/status"))["status"]
    if status in ("SUCCESS", "FAILURE", "REVOKED") or time.monotonic() - start > 60:
        break
    time.sleep(0.005)
print(f"{answered:.4f} {time.monotonic() - start:.3f} {status} {task}")
PY
    )
    wait $lister
    read -r _ list_p99 list_bad < <(summary "$work/list.txt")
    run=$(curl -s "$base/tasks/$task" | python3 -c '
import json, sys, datetime
t = json.load(sys.stdin)
parse = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
print("%.2f" % (parse(t["date_done"]) - parse(t["started_at"])).total_seconds())')
    echo "$answer $done_at $status $run $list_p99 $list_bad"
}
log "DELETE /products/all while readers page the listing (~400 requests/s)"
read -r answer done_at status run list_p99 list_bad < <(bulk_delete -s "$work/paced.lua")
left=$(curl -s "$base/products?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
log "import again; DELETE /products/all with the listing under saturating load"
timeout 900 "$bin" import "$work/products.csv" --wait --data-dir "$work/data" >/dev/null 2>&1
read -r _ hard_done hard_status hard_run hard_p99 hard_bad < <(bulk_delete)

echo "Products: $total (from $rows rows); after the bulk delete: $left; bulk deletes $status, $hard_status"
echo "| measure | ours | target |"
echo "| --- | ---: | ---: |"
echo "| GET /products/{id}: requests/s (16 connections) | $get_rate | – |"
echo "| GET /products/{id}: p99 (ms) | $get_p99 | ≤ 5 |"
echo "| PUT /products/{id}: updates/s sustained 10 s (16 connections) | $put_rate | ≥ 2,000 |"
echo "| PUT /products/{id}: p99 (ms) | $put_p99 | ≤ 10 |"
echo "| DELETE /products/all answered (ms) | $(echo "$answer * 1000" | bc | xargs printf '%.1f') | ≤ 50 |"
echo "| $total products deleted, readers paging meanwhile: request → status SUCCESS (s) | $done_at | ≤ 2 |"
echo "| the same: the task's own run, started → done (s) | $run | – |"
echo "| GET /products?limit=20 during it: p99 (ms) | $list_p99 | ≤ 100 |"
echo "| with the listing saturating 4 connections instead: deleted in (s) | $hard_done | – |"
echo "| with the listing saturating 4 connections: its p99 (ms) | $hard_p99 | ≤ 100 |"
echo "| non-2xx answers (GET / PUT / listing / saturating listing) | $get_bad / $put_bad / $list_bad / $hard_bad | 0 |"
