#!/usr/bin/env bash
# Webhook benchmark (issue 17), release build, one `importer serve` and a local receiver that
# checks both signatures of every request: bench/webhook_sink.c (C, OpenSSL's HMAC; built here
# with cc), or with WEBHOOK_BENCH_RECEIVER=python the tests' scripts/webhook_receiver.py (Python's
# hmac; it takes 0.15-0.20 ms of the two cores per request, the C one 0.04-0.05):
#   - 10,000 product updates (wrk) with one subscribed webhook: deliveries/s (target ≥ 1,500),
#     with the updates sent as fast as the server answers them, then held in the paused `webhooks`
#     queue and resumed (the pipeline alone), then offered at a steady pace (WEBHOOK_BENCH_PACE_MS,
#     default 3.0 ms per connection, ~1,500 updates/s here: do the deliveries keep pace?);
#   - commit → receipt p50 when idle (target ≤ 25 ms);
#   - test_task's p99 enqueue → start with a receiver sleeping 10 s per request holding the
#     `webhooks` pool (target: within 5 ms of the same without it);
#   - the server's RSS after the burst and its peak (VmHWM).
# The driver is bench/webhooks.py; every wait is bounded; processes are stopped by their pid.
# Usage: [BENCH_BINARY=path] [WEBHOOK_BENCH_RECEIVER=c|python] bench/webhooks.sh [PRODUCTS]
#   (default 10000; needs sqlite3, wrk, curl, python3, and for the C receiver cc and libssl-dev)
set -euo pipefail
cd "$(dirname "$0")/.."
products=${1:-10000}
. bench/common.sh
need sqlite3 wrk
work=$(mktemp -d)
server="" receiver=""
trap '[ -n "$server" ] && kill -9 "$server" 2>/dev/null; [ -n "$receiver" ] && kill -9 "$receiver" 2>/dev/null; rm -rf "$work"' EXIT
log() { echo "== $*" >&2; }

[ -n "${BENCH_BINARY:-}" ] || log "release build"
importer_binary
mkdir -p "$work/hooks"
receiver_port=$(free_port)
receiver_name=${WEBHOOK_BENCH_RECEIVER:-c}
case $receiver_name in
c)
    command -v cc >/dev/null && [ -f /usr/include/openssl/hmac.h ] || { apt-get update -qq && apt-get install -y -qq gcc libssl-dev >/dev/null; }
    cc -O2 -o "$work/webhook_sink" bench/webhook_sink.c -lcrypto
    "$work/webhook_sink" "$work/hooks" "$receiver_port" >/dev/null 2>&1 &
    ;;
python) python3 scripts/webhook_receiver.py "$work/hooks" "$receiver_port" >/dev/null 2>&1 & ;;
*) echo "WEBHOOK_BENCH_RECEIVER must be c or python" >&2; exit 2 ;;
esac
receiver=$!
python3 ../shared/tools/gen_products.py "$products" "$work/products.csv" >/dev/null
port=$(free_port)
"$bin" serve --data-dir "$work/data" --port "$port" --log-level warning >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
log "import $products rows (no webhook yet: a CSV import sends no per-row events anyway)"
timeout 300 "$bin" import "$work/products.csv" --wait --data-dir "$work/data" >/dev/null 2>&1
sqlite3 "file:$work/data/catalog.sqlite?mode=ro" "SELECT id FROM products ORDER BY random()" >"$work/ids"
log "deliveries, latency, a slow receiver (receiver: $receiver_name)"
timeout 600 python3 bench/webhooks.py "http://127.0.0.1:$port/api/v1" "http://127.0.0.1:$receiver_port" "$work/hooks" \
    "$server" "$work/ids" "$receiver" >"$work/figures"
figure() { awk -v key="$1" '$1 == key { print $2 }' "$work/figures"; }

echo "Delivered $(figure delivered) of 10000 less $(figure refused_patches) refused PATCHes (duplicates $(figure duplicates), bad signatures $(figure bad_signatures));" \
    "updates sent at $(figure updates_per_s)/s; from the paused queue delivered $(figure drain_delivered) of $(figure drain_waiting_at_resume) waiting"\
    "(duplicates $(figure drain_duplicates), bad signatures $(figure drain_bad_signatures)); paced: delivered $(figure paced_delivered)"\
    "(duplicates $(figure paced_duplicates), bad signatures $(figure paced_bad_signatures)); slow requests in flight: $(figure slow_requests_in_flight)," \
    "received by the end of that window: $(figure slow_requests_received_by_the_end)"
echo "| measure | ours | target |"
echo "| --- | ---: | ---: |"
echo "| 10,000 updates (wrk), one webhook: deliveries/s (first PATCH → last receipt) | $(figure deliveries_per_s) | ≥ 1,500 |"
echo "| the same, steady (1,000th → 9,000th receipt) | $(figure deliveries_per_s_steady) | – |"
echo "| 10,000 updates offered at a steady $(figure paced_updates_per_s)/s (wrk, $(figure paced_delay_ms) ms before each PATCH on each of 8 connections): deliveries/s (first PATCH → last receipt; at most the rate offered) | $(figure paced_deliveries_per_s) | – |"
echo "| the same, steady (1,000th → 9,000th receipt) | $(figure paced_deliveries_per_s_steady) | keeps pace with ≥ 1,500 offered |"
echo "| the same: last receipt after the last commit (ms); commit → receipt p50 / p99 (ms) | $(figure paced_lag_ms); $(figure paced_commit_to_receipt_p50_ms) / $(figure paced_commit_to_receipt_p99_ms) | – |"
echo "| the same 10,000 waiting in the paused queue, then resumed: deliveries/s (resume → last receipt) | $(figure drain_deliveries_per_s) | ≥ 1,500 |"
echo "| the same, steady (1,000th → 9,000th receipt) | $(figure drain_deliveries_per_s_steady) | – |"
echo "| server CPU per delivery while draining (ms) | $(figure drain_server_cpu_ms_per_delivery) | – |"
echo "| receiver ($receiver_name) CPU per delivery in the first run (ms) | $(figure receiver_cpu_ms_per_delivery) | – |"
echo "| idle: commit → receipt p50 (ms) | $(figure idle_p50_ms) | ≤ 25 |"
echo "| idle: commit → receipt p99 (ms) | $(figure idle_p99_ms) | – |"
echo "| test_task enqueue → start p99 (ms): before / receiver sleeping 10 s / after | $(figure test_task_before_p99_ms) / $(figure test_task_slow_p99_ms) / $(figure test_task_after_p99_ms) | ≤ +5 |"
echo "| test_task enqueue → start p50 (ms): before / slow / after | $(figure test_task_before_p50_ms) / $(figure test_task_slow_p50_ms) / $(figure test_task_after_p50_ms) | – |"
echo "| server RSS after the burst / peak (MiB) | $(figure rss_after_burst_mib) / $(figure rss_peak_mib) | bounded |"
