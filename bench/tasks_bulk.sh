#!/usr/bin/env bash
# Bulk actions benchmark (issue 19): ROWS waiting tasks written straight into a fresh queue.sqlite
# with the sqlite3 CLI, `importer api` on it, then POST /api/v1/tasks/bulk revoking all of them
# by filter, then deleting them all. Meanwhile a probe submits a task to another queue every 20 ms
# and times each submission: a long write lock would show there (the target: no queue write
# transaction over ~20 ms).
# Usage: [BENCH_BINARY=path] bench/tasks_bulk.sh [ROWS]   (default 100000; needs sqlite3, python3, curl)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-100000}
. bench/common.sh
need sqlite3
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill -9 "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
importer_binary
"$bin" migrate --data-dir "$work/data" >/dev/null
sqlite3 "$work/data/queue.sqlite" <<SQL
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $rows - 1)
INSERT INTO jobs (id, name, queue, priority, state, args, kwargs, enqueued_at, run_at)
SELECT printf('%08x-%04x-7%03x-8%03x-%012x', (1796000000000 + i * 6) / 65536, (1796000000000 + i * 6) % 65536, i % 4096,
        (i * 7) % 4096, i),
    'app.tasks.product_tasks.test_task', 'default', 5, 'PENDING', '[]', '{}', 1796000000 + i * 0.006, 1796000000 + i * 0.006
FROM n;
SQL
port=$(free_port)
"$bin" api --data-dir "$work/data" --port "$port" --log-level warning >"$work/api.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
python3 - "$port" <<'PY'
import http.client, json, sys, threading, time
port = int(sys.argv[1])
print("| action | answer | took (s) | probe submissions: p50 / p99 / max (ms) |")
print("| --- | --- | ---: | ---: |")
for action, state in [("revoke", "PENDING"), ("delete", "REVOKED")]:
    times, running = [], [True]
    def probe():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while running[0]:
            began = time.perf_counter()
            connection.request("POST", "/api/v1/tasks", body=json.dumps({"name": "app.tasks.product_tasks.test_task", "queue": "probe"}),
                               headers={"Content-Type": "application/json"})
            connection.getresponse().read()
            times.append((time.perf_counter() - began) * 1000)
            time.sleep(0.02)
    thread = threading.Thread(target=probe)
    thread.start()
    time.sleep(0.5)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    began = time.perf_counter()
    connection.request("POST", "/api/v1/tasks/bulk", body=json.dumps({"action": action, "filter": {"state": state, "queue": "default"}}),
                       headers={"Content-Type": "application/json"})
    answer = connection.getresponse().read().decode()
    took = time.perf_counter() - began
    running[0] = False
    thread.join()
    times.sort()
    print(f"| {action} | `{answer}` | {took:.1f} | {times[len(times) // 2]:.1f} / {times[int(len(times) * 0.99)]:.1f} / {times[-1]:.1f} |")
PY
