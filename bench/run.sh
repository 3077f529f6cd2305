#!/usr/bin/env bash
# One command for the figures of BENCHMARKS.md (issue 9): builds in release mode, then runs the
# queue benchmark, the import benchmark against the sqlite3 CLI, the task-status and listing
# HTTP benchmarks with wrk, memory (idle `importer serve`, peak during 500k and 5M-row imports)
# and startup time, and prints each as our figure, the reference figure and the ratio. With
# --celery it also runs bench/celery/run.sh (Celery 5 + Redis, same workload) as the queue's
# and the import's reference. The results replace the generated part of BENCHMARKS.md.
# Every step bounds its own time, uses only 127.0.0.1 and stops what it started.
# Usage: bench/run.sh [--celery] [--no-5m] [--no-write]
set -euo pipefail
cd "$(dirname "$0")/.."
celery=false big=true write=true
for arg in "$@"; do
    case "$arg" in
    --celery) celery=true ;;
    --no-5m) big=false ;;
    --no-write) write=false ;;
    *) echo "usage: bench/run.sh [--celery] [--no-5m] [--no-write]" >&2; exit 2 ;;
    esac
done
for tool in wrk sqlite3 bc curl; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
done
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
log() { echo "== $*" >&2; }
ratio() { echo "scale=2; $1 / $2" | bc -l | sed 's/^\./0./'; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1000}' "/proc/$1/status"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

log "release build"
swift build -c release >/dev/null 2>&1
bin=.build/release/importer
rows=()

# --- Queue ---------------------------------------------------------------------------------
log "queue (importer bench queue)"
queue_line=$(timeout 600 "$bin" bench queue --synchronous normal 2>/dev/null | grep '^| normal')
IFS='|' read -r _ _ drain _ _ _ latency _ memory _ <<<"$queue_line"
drain=$(echo "$drain" | xargs); p50=$(echo "$latency" | awk -F/ '{print $1}' | xargs)
queue_idle=$(echo "$memory" | awk -F/ '{print $1}' | xargs)

# --- Celery (optional) ---------------------------------------------------------------------
celery_drain=400 celery_p50=3.0 celery_rss=161 celery_import=18.9 celery_source="STACK.md (Celery 5.7 + Redis 7.0, measured on this machine earlier)"
if $celery; then
    log "celery (bench/celery/run.sh)"
    celery_json=$(timeout 1800 bench/celery/run.sh 500000 | tail -1)
    get() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$celery_json" "$1"; }
    celery_drain=$(get drain_per_s); celery_p50=$(get enqueue_to_start_p50_ms)
    celery_rss=$(echo "$(get worker_rss_mb) + $(get redis_rss_mb)" | bc)
    celery_import=$(get import_s)
    celery_source="bench/celery/run.sh, this run (Celery $(get celery), Redis $(get redis))"
fi
rows+=("| queue: no-op jobs drained, 2 slots (jobs/s) | $drain | $celery_drain (Celery) | $(ratio "$drain" "$celery_drain") |")
rows+=("| queue: enqueue→start p50 (ms) | $p50 | $celery_p50 (Celery) | $(ratio "$p50" "$celery_p50") |")

# --- Import --------------------------------------------------------------------------------
log "import (bench/import.sh 500000)"
import_line=$(timeout 900 bench/import.sh 500000 2>/dev/null | grep '^| 500000')
IFS='|' read -r _ _ _ ours fast _ again fast_again _ _ shaped _ peak500 _ <<<"$import_line"
ours=$(echo "$ours" | xargs); fast=$(echo "$fast" | xargs); again=$(echo "$again" | xargs)
fast_again=$(echo "$fast_again" | xargs); shaped=$(echo "$shaped" | xargs); peak500=$(echo "$peak500" | xargs)
rows+=("| import 500k rows, end to end (s, median of 3) | $ours | $fast (sqlite3 CLI, fast form) | $(ratio "$ours" "$fast") |")
rows+=("| import 500k rows again, every row an update (s, median of 3) | $again | $fast_again (sqlite3 CLI, fast form) | $(ratio "$again" "$fast_again") |")
rows+=("| import 500k rows, end to end (s) | $ours | $shaped (sqlite3 CLI, table like ours) | $(ratio "$ours" "$shaped") |")
rows+=("| import 500k rows (s) | $ours | $celery_import (Celery task: csv + sqlite3) | $(ratio "$ours" "$celery_import") |")
rows+=("| import 500k rows: worker peak RSS (MB) | $peak500 | 64 (target) | $(ratio "$peak500" 64) |")

# --- HTTP: a catalogue of the reference file, then wrk ---------------------------------------
log "HTTP (wrk)"
python3 ../shared/tools/gen_products.py 500000 "$work/products.csv" >/dev/null
port=$(free_port)
"$bin" serve --data-dir "$work/data" --port "$port" --log-level warning >"$work/serve.log" 2>&1 &
pids+=($!)
serve=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
sleep 3
idle=$(rss_mb "$serve")
timeout 300 "$bin" import "$work/products.csv" --wait --data-dir "$work/data" >/dev/null 2>&1
id=$(curl -s -X POST "http://127.0.0.1:$port/api/v1/celery/test" | python3 -c "import sys,json;print(json.load(sys.stdin)['task_id'])")
sleep 1
wrk_run() { # $1 threads, $2 connections, $3 seconds, $4 path → "req/s p99_ms"
    timeout 60 wrk -t"$1" -c"$2" -d"$3"s --latency "http://127.0.0.1:$port$4" | awk '
        /Requests\/sec/ {rps=$2}
        /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; p99=v}
        END {printf "%d %.2f", rps, p99}'
}
read -r status_rps status_p99 <<<"$(wrk_run 2 64 10 "/api/v1/celery/task/$id")"
rows+=("| task status: GET /api/v1/celery/task/{id} (req/s, wrk -c64) | $status_rps | 20000 (target) | $(ratio "$status_rps" 20000) |")
rows+=("| task status p99 (ms) | $status_p99 | 10 (target) | $(ratio "$status_p99" 10) |")
for query in "sku=premium" "sku=p" "active=true" "sku=premium&active=true" "name=silva" "description=river" "description=zzzqqq"; do
    read -r _ p99 <<<"$(wrk_run 1 1 3 "/api/v1/products?$query")"
    target=20
    case "$query" in name=* | description=*) target=250 ;; esac
    rows+=("| listing ?$query p99 (ms, 484,870 products) | $p99 | $target (target) | $(ratio "$p99" "$target") |")
done
kill "$serve"; wait "$serve" 2>/dev/null || true

# --- Memory --------------------------------------------------------------------------------
rows+=("| idle RSS: importer serve (MB) | $idle | $celery_rss (Celery worker + Redis) | $(ratio "$idle" "$celery_rss") |")
rows+=("| idle RSS: worker, queue benchmark process (MB) | $queue_idle | 30 (target) | $(ratio "$queue_idle" 30) |")
if $big; then
    log "import 5M rows (ours only: peak RSS)"
    python3 ../shared/tools/gen_products.py 5000000 "$work/big.csv" >/dev/null
    "$bin" worker --data-dir "$work/big" --log-level warning >/dev/null 2>&1 &
    pids+=($!)
    worker=$!
    sleep 2
    start=$(date +%s.%N)
    timeout 900 "$bin" import "$work/big.csv" --wait --data-dir "$work/big" >/dev/null 2>&1
    big_s=$(echo "$(date +%s.%N) - $start" | bc)
    peak5m=$(awk '/VmHWM/ {printf "%.1f", $2/1000}' "/proc/$worker/status")
    kill "$worker"; wait "$worker" 2>/dev/null || true
    rm -f "$work/big.csv"
    rows+=("| import 5M rows (s) | $(printf %.2f "$big_s") | – | – |")
    rows+=("| import 5M rows: worker peak RSS (MB) | $peak5m | $peak500 (500k figure; within 10%) | $(ratio "$peak5m" "$peak500") |")
fi

# --- Startup -------------------------------------------------------------------------------
log "startup (exec to /healthz 200, 10 runs)"
times=()
for _ in $(seq 10); do
    port=$(free_port)
    start=$(date +%s%N)
    "$bin" serve --data-dir "$work/start" --port "$port" --log-level warning >/dev/null 2>&1 &
    pid=$!
    until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.005; done
    times+=($(( ($(date +%s%N) - start) / 1000000 )))
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
startup=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (a[5]+a[6])/2}')
rows+=("| startup: exec to /healthz 200, median of 10 (ms) | $startup | – | – |")

# --- Report --------------------------------------------------------------------------------
machine="$(nproc) vCPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
versions="$(swift --version 2>/dev/null | head -1 | sed 's/ (.*//'), SQLite $(sqlite3 --version | cut -d' ' -f1), $(. /etc/os-release; echo "$PRETTY_NAME")"
report=$(
    echo "Generated by \`bench/run.sh$([ "$*" ] && echo " $*")\` on $(date -u +%Y-%m-%d) — $machine; $versions."
    echo "Celery reference: $celery_source."
    echo
    echo "| measure | ours | reference | ratio |"
    echo "| --- | ---: | ---: | ---: |"
    printf '%s\n' "${rows[@]}"
)
echo "$report"
if $write; then
    python3 - "$report" <<'PY'
import sys
path, report = "BENCHMARKS.md", sys.argv[1]
text = open(path).read()
begin, end = "<!-- bench/run.sh: begin -->", "<!-- bench/run.sh: end -->"
block = f"{begin}\n{report}\n{end}"
if begin in text:
    text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    lines = text.split("\n", 1)
    text = lines[0] + "\n\n## Latest run of bench/run.sh\n\n" + block + "\n" + (lines[1] if len(lines) > 1 else "")
open(path, "w").write(text)
PY
    log "BENCHMARKS.md updated"
fi
