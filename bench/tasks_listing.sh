#!/usr/bin/env bash
# Task listing benchmark (issue 19): 1,000,000 finished tasks written straight into a fresh
# queue.sqlite with the sqlite3 CLI (5 task names, 3 queues, 4 workers, 2% FAILURE with an error,
# 1% REVOKED, enqueued 0.6 s apart over ~7 days), then `importer api` on it, and each listing
# query timed over HTTP on one keep-alive connection: 102 requests, the first 2 dropped, median and
# p99 (nearest rank) of the other 100 (the targets: a single filter's first page ≤ 50 ms, counts ≤ 100 ms,
# q= ≤ 500 ms); then the monitor overview's refresh, in server CPU time (target ≤ 5 ms).
# Usage: [BENCH_BINARY=path] bench/tasks_listing.sh [ROWS]   (needs sqlite3, python3, curl)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
. bench/common.sh
need sqlite3
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill -9 "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
importer_binary
"$bin" migrate --data-dir "$work/data" >/dev/null
sqlite3 "$work/data/queue.sqlite" <<SQL
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $rows - 1)
INSERT INTO jobs (id, name, queue, priority, state, args, kwargs, enqueued_at, run_at, started_at, date_done, token, worker,
    deliveries, retries, result, error, expires_at)
SELECT
    printf('%08x-%04x-7%03x-8%03x-%012x', (1796000000000 + i * 600) / 65536, (1796000000000 + i * 600) % 65536, i % 4096,
        (i * 7) % 4096, i),
    CASE i % 5 WHEN 0 THEN 'app.tasks.product_tasks.process_csv_import' WHEN 1 THEN 'app.tasks.product_tasks.test_task'
        WHEN 2 THEN 'app.tasks.webhook_tasks.deliver_webhook' WHEN 3 THEN 'app.tasks.product_tasks.cleanup_old_imports'
        ELSE 'app.tasks.mail.send' END,
    CASE i % 3 WHEN 0 THEN 'default' WHEN 1 THEN 'imports' ELSE 'webhooks' END,
    5,
    CASE WHEN i % 50 = 0 THEN 'FAILURE' WHEN i % 97 = 0 THEN 'REVOKED' ELSE 'SUCCESS' END,
    '["item-' || i || '"]', '{"customer":"c' || (i % 1000) || '","note":"order ' || i || '"}',
    1796000000 + i * 0.6, 1796000000 + i * 0.6, 1796000000 + i * 0.6 + 0.01, 1796000000 + i * 0.6 + 0.05, 1,
    'importer@host' || (i % 4) || ':' || (100 + i % 4), 1, 0, '{"ok":true}',
    CASE WHEN i % 50 = 0 THEN '{"type":"ValueError","message":"bad row ' || i || '","context":null}' ELSE NULL END,
    4102444800
FROM n;
-- A busy week of the monitor's rollup: every minute of the last 7 days for each of the 5 names on
-- each of the 3 queues (151,200 rows), as a worker writing all the time would leave it.
WITH RECURSIVE m(minute) AS (SELECT CAST(strftime('%s', 'now') AS INTEGER) / 60 - 10079
    UNION ALL SELECT minute + 1 FROM m WHERE minute < CAST(strftime('%s', 'now') AS INTEGER) / 60),
names(name) AS (VALUES ('app.tasks.product_tasks.process_csv_import'), ('app.tasks.product_tasks.test_task'),
    ('app.tasks.webhook_tasks.deliver_webhook'), ('app.tasks.product_tasks.cleanup_old_imports'), ('app.tasks.mail.send')),
queues(queue) AS (VALUES ('default'), ('imports'), ('webhooks'))
INSERT INTO task_stats (minute, name, queue, succeeded, failed, runtime_sum, runtime_max, wait_sum, wait_max, r0, r3, w0, w2)
SELECT minute, name, queue, 40, 1, 0.3, 0.02, 0.05, 0.004, 30, 11, 38, 3 FROM m, names, queues;
SQL
port=$(free_port)
"$bin" api --data-dir "$work/data" --port "$port" --log-level warning >"$work/api.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
python3 - "$port" <<'PY'
import http.client, statistics, sys, time
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=60)
print("| query | median (ms) | p99 of 100 (ms) |")
print("| --- | ---: | ---: |")
for query in ["/api/v1/tasks", "/api/v1/tasks?state=SUCCESS", "/api/v1/tasks?state=FAILURE", "/api/v1/tasks?name=app.tasks.mail.send",
              "/api/v1/tasks?queue=imports", "/api/v1/tasks?worker=importer@host2:102", "/api/v1/tasks?since=2026-12-06T07:00:00Z",
              "/api/v1/tasks/counts", "/api/v1/tasks/counts?name=app.tasks.mail.send", "/api/v1/tasks?q=bad%20row%2099",
              "/api/v1/tasks?q=01a"]:
    times = []
    for _ in range(102):
        began = time.perf_counter()
        connection.request("GET", query)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, (query, response.status)
        times.append((time.perf_counter() - began) * 1000)
    kept = sorted(times[2:])
    print(f"| `{query.replace('/api/v1', '')}` | {statistics.median(kept):.1f} | {kept[98]:.1f} |")
PY
# The monitor's overview refresh (the one request its page sends per refresh), 100 times; the
# server's CPU time (user + system, from /proc/PID/stat) divided by the refreshes. Also the
# 7-day chart (its finished minutes come from the cache after the first request).
python3 - "$port" "$server" <<'PY'
import http.client, os, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
ticks = os.sysconf("SC_CLK_TCK")
def cpu():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks
def get(path):
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    assert response.status == 200, (path, response.status)
for label, paths, rounds in [("overview refresh (`/monitor/overview`)", ["/api/v1/monitor/overview?range=1h"], 100),
                             ("7-day chart (`/stats/timeseries?range=7d`)", ["/api/v1/stats/timeseries?range=7d"], 20)]:
    for path in paths:
        get(path)
    before, began = cpu(), time.perf_counter()
    for _ in range(rounds):
        for path in paths:
            get(path)
    spent, wall = cpu() - before, time.perf_counter() - began
    print(f"| {label} | server CPU {spent / rounds * 1000:.1f} ms | wall {wall / rounds * 1000:.1f} ms | ({rounds} rounds) |")
PY
