#!/usr/bin/env bash
# Celery 5 + Redis on the same workload as ours (issue 9): 10,000 no-op jobs drained with
# concurrency 2 (prefork, acks_late, prefetch 1, JSON), 500 sequential round trips, and the CSV
# import as a typical Celery task (csv module + sqlite3 batches). Creates a virtual environment,
# installs Celery with Redis support, starts Debian's redis-server on 127.0.0.1 (stopped by its
# pid), prints Celery's figures as JSON on the last line. Bounded: 30 minutes at most.
# Usage: bench/celery/run.sh [ROWS]   (ROWS of the reference CSV, default 500000; 0 skips the import)
set -euo pipefail
cd "$(dirname "$0")"
rows=${1:-500000}
work=$(mktemp -d)
port=6390
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 0.5
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
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
"$venv/bin/celery" -A tasks worker --concurrency 2 --pool prefork --loglevel WARNING --without-heartbeat \
    --without-gossip --without-mingle >"$work/worker.log" 2>&1 &
pids+=($!)
worker_pid=$!
for _ in $(seq 100); do
    "$venv/bin/celery" -A tasks inspect ping --timeout 0.5 >/dev/null 2>&1 && break
    sleep 0.2
done
echo "celery $celery_version, redis $redis_version" >&2
timeout 1800 "$venv/bin/python" driver.py "$worker_pid" "$redis_pid" "$csv" "$work/celery.sqlite" |
    python3 -c "import json,sys; d=json.loads(sys.stdin.read()); d['celery']='$celery_version'; d['redis']='$redis_version'; print(json.dumps(d))"
