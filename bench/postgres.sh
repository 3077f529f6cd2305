#!/usr/bin/env bash
# The queue on PostgreSQL (issue 21), against a throwaway local server with its default settings
# (scripts/pg-throwaway.sh), in one run:
#   - the machine's fsync cost (pg_test_fsync, fdatasync: PostgreSQL's default wal_sync_method here);
#   - `importer bench queue --database-url` with 2, 8 and 16 slots (one process: drain pre-filled
#     and while enqueuing, enqueue rate, enqueue→start p50/p99), and SQLite's with 8 slots;
#   - 1, 2 and 3 worker processes of 8 slots each on one queue (bench/postgres.py);
#   - Celery 5 + Redis with concurrency 8 on the same no-op drain (bench/celery/run.sh), unless
#     BENCH_SKIP_CELERY=1.
# Usage: [BENCH_BINARY=path] bench/postgres.sh   (needs PostgreSQL's server binaries and psql)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
[ -n "${BENCH_BINARY:-}" ] || echo "== release build" >&2
importer_binary
pg=$(PG_DEFAULTS=1 scripts/pg-throwaway.sh start)
read -r pg_dir url <<<"$pg"
trap 'scripts/pg-throwaway.sh stop "$pg_dir"' EXIT
url="$url?sslmode=disable"
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

echo "== fsync cost" >&2
fsync_report=$(runuser -u postgres -- "$bindir/pg_test_fsync" -s 2 -f "$pg_dir/fsync.test")
fsync_line=$(grep -m1 -E "^[[:space:]]+fdatasync" <<<"$fsync_report")
fsync_ops=$(echo "$fsync_line" | awk '{for (i = 1; i <= NF; i++) if ($i == "ops/sec") print $(i-1)}')
fsync_us=$(echo "$fsync_line" | awk '{for (i = 1; i <= NF; i++) if ($i == "usecs/op") print $(i-1)}')

echo "== one process: 2, 8, 16 slots on PostgreSQL; 8 on SQLite" >&2
rows=()
for slots in 2 8 16; do
    rows+=("$("$bin" bench queue --database-url "$url" --concurrency "$slots" --jobs 10000 --samples 500 | grep '^| postgresql' | sed "s/^| postgresql |/| PostgreSQL, $slots slots |/")")
done
rows+=("$("$bin" bench queue --synchronous normal --concurrency 8 --jobs 10000 --samples 500 | grep '^| normal' | sed 's/^| normal |/| SQLite (normal), 8 slots |/')")

echo "== 1, 2, 3 processes of 8 slots" >&2
processes=()
for count in 1 2 3; do
    processes+=("$(python3 bench/postgres.py "$bin" "$url" "$count" 8 10000 | awk '$1 == "jobs_per_s" {print $2}')")
done

celery="–"
if [ "${BENCH_SKIP_CELERY:-}" != 1 ]; then
    echo "== Celery + Redis, concurrency 8" >&2
    celery=$(CELERY_CONCURRENCY=8 BENCH_BINARY="$bin" bench/celery/run.sh 0 | tail -1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["drain_per_s"])')
fi

echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}'), default settings; fsync (pg_test_fsync, fdatasync, one 8 kB write): $fsync_ops ops/s, $fsync_us µs each"
echo
echo "| run | drain pre-filled (jobs/s) | drain while enqueuing (jobs/s) | writes per commit | enqueue (jobs/s) | enqueue→start p50 / p99 (ms) | longest write txn (ms) | idle / peak RSS (MB) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
echo "| worker processes × 8 slots (PostgreSQL, no-op drain of 10,000 through importer api) | 1 | 2 | 3 |"
echo "| --- | ---: | ---: | ---: |"
echo "| jobs/s | ${processes[0]} | ${processes[1]} | ${processes[2]} |"
echo
echo "Celery 5 + Redis, concurrency 8, the same no-op drain: $celery jobs/s"
