#!/usr/bin/env bash
# Celery 5 + Redis on the same workload as ours (issue 9): 10,000 no-op jobs drained with
# concurrency 2 (prefork, acks_late, prefetch 1, JSON), 500 sequential round trips, and the CSV
# import as a typical Celery task (csv module + sqlite3 batches). Creates a virtual environment,
# installs Celery with Redis support, starts Debian's redis-server on 127.0.0.1 (stopped by its
# pid), then runs ours on the same workload and prints both side by side with the ratio, and
# Celery's figures as JSON on the last line. Bounded: 30 minutes at most.
# Usage: [CELERY_CONCURRENCY=N] bench/celery/run.sh [ROWS]   (ROWS of the reference CSV, default
# 500000; 0 skips the import; CELERY_CONCURRENCY, default 2, sizes both sides' drain)
set -euo pipefail
cd "$(dirname "$0")"
rows=${1:-500000}
concurrency=${CELERY_CONCURRENCY:-2}
work=$(mktemp -d)
port=6390
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 30); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
venv=${BENCH_VENV:-/tmp/importer-bench-celery-venv}
if [ ! -x "$venv/bin/celery" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "celery[redis]>=5,<6"
fi
celery_version=$("$venv/bin/python" -c "import celery; print(celery.__version__)")
redis_version=$(redis-server --version | sed -E 's/.*v=([0-9.]+).*/\1/')

redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export BENCH_REDIS="redis://127.0.0.1:$port/0"

csv="-"
if [ "$rows" != "0" ]; then
    csv="$work/products.csv"
    python3 ../../../shared/tools/gen_products.py "$rows" "$csv" >/dev/null
fi
"$venv/bin/celery" -A tasks worker --concurrency "$concurrency" --pool prefork --loglevel WARNING --without-heartbeat \
    --without-gossip --without-mingle >"$work/worker.log" 2>&1 &
pids+=($!)
worker_pid=$!
for _ in $(seq 100); do
    "$venv/bin/celery" -A tasks inspect ping --timeout 0.5 >/dev/null 2>&1 && break
    sleep 0.2
done
echo "celery $celery_version, redis $redis_version" >&2
celery_json=$(timeout 1800 "$venv/bin/python" driver.py "$worker_pid" "$redis_pid" "$csv" "$work/celery.sqlite" |
    python3 -c "import json,sys; d=json.loads(sys.stdin.read()); d['celery']='$celery_version'; d['redis']='$redis_version'; print(json.dumps(d))")
for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
sleep 1

# Ours on the same workload: the queue benchmark (10,000 no-op jobs, 2 slots) and the import.
cd ../..
swift build -c release >/dev/null 2>&1
bin=.build/release/importer
line=$(timeout 600 "$bin" bench queue --synchronous normal --jobs 10000 --concurrency "$concurrency" 2>/dev/null | grep '^| normal')
IFS='|' read -r _ _ drain _ _ enqueue latency _ memory _ <<<"$line"
drain=$(echo "$drain" | xargs); enqueue=$(echo "$enqueue" | xargs)
p50=$(echo "$latency" | awk -F/ '{print $1}' | xargs); p99=$(echo "$latency" | awk -F/ '{print $2}' | xargs)
idle=$(echo "$memory" | awk -F/ '{print $1}' | xargs)
import_s="–" peak="–"
if [ "$csv" != "-" ]; then
    "$bin" worker --data-dir "$work/ours" --log-level warning >/dev/null 2>&1 &
    pids+=($!)
    worker=$!
    sleep 2
    start=$(date +%s.%N)
    timeout 900 "$bin" import "$csv" --wait --data-dir "$work/ours" >/dev/null 2>&1
    import_s=$(printf %.2f "$(echo "$(date +%s.%N) - $start" | bc)")
    peak=$(awk '/VmHWM/ {printf "%.1f", $2/1000}' "/proc/$worker/status")
fi
python3 - "$celery_json" "$drain" "$enqueue" "$p50" "$p99" "$idle" "$import_s" "$peak" "$concurrency" <<'PY'
import json, sys
c = json.loads(sys.argv[1])
drain, enqueue, p50, p99, idle, import_s, peak, concurrency = sys.argv[2:]
def row(label, ours, theirs):
    try:
        ratio = f"{float(ours) / float(theirs):.2f}"
    except ValueError:
        ratio = "–"
    print(f"| {label} | {ours} | {theirs} | {ratio} |")
print(f"| measure | importer | Celery {c['celery']} + Redis {c['redis']} | ratio |")
print("| --- | ---: | ---: | ---: |")
row(f"10,000 no-op jobs drained, concurrency {concurrency} (jobs/s)", drain, c["drain_per_s"])
row("enqueue (jobs/s)", enqueue, c["enqueue_per_s"])
row("enqueue→start p50 (ms)", p50, c["enqueue_to_start_p50_ms"])
row("enqueue→start p99 (ms)", p99, c["enqueue_to_start_p99_ms"])
row("memory: worker idle (ours) / worker + Redis (MB)", idle, round(c["worker_rss_mb"] + c["redis_rss_mb"], 1))
if "import_s" in c:
    row("import of the reference CSV (s)", import_s, c["import_s"])
    row("memory during the import (MB): worker peak / Celery worker + Redis", peak, round(c["worker_rss_after_import_mb"] + c["redis_rss_mb"], 1))
print(f"Celery round trip (submit → result) p50 {c['round_trip_p50_ms']} ms, p99 {c['round_trip_p99_ms']} ms; {c['worker_processes']} worker processes.")
PY
echo "$celery_json"
