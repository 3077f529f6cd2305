#!/usr/bin/env python3
"""The webhook benchmark's driver (issue 17), run by bench/webhooks.sh against a running
`importer serve` and its receiver (bench/webhook_sink.c or scripts/webhook_receiver.py):

    bench/webhooks.py BASE_URL RECEIVER_URL RECEIVER_DIR SERVER_PID IDS_FILE RECEIVER_PID

1. throughput: one webhook on product.updated; 10,000 PATCHes from wrk (bench/webhooks.lua),
   each changing a product; deliveries/s = 10,000 / (first PATCH sent → last delivery received),
   and the rate in the steady middle (the 1,000th to the 9,000th receipt);
1b. the delivery pipeline alone: the same 10,000 updates with the `webhooks` queue paused until
   all their jobs wait, then resumed: deliveries/s from the resume to the last receipt, and the
   server's CPU time per delivery;
1c. sustained: the same 10,000 updates offered at a steady pace (WEBHOOK_BENCH_PACE_MS, default
   3.0 ms before each PATCH on each of wrk's 8 connections; each connection also waits for its
   answer, so the rate offered follows the server: 1,400-1,550/s on 2026-12-05, reported as
   paced_updates_per_s): the updates' rate, the
   deliveries' rate, the last receipt's lag behind the last commit, commit → receipt p50/p99;
2. idle latency: 200 PATCHes one at a time, 50 ms apart; commit → receipt = the receiver's clock
   at receipt − the event's occurred_at (written in the commit's transaction);
3. a slow receiver: test_task's enqueue → start (300 tasks, 20 ms apart, from its own record)
   without, then with, a webhook whose receiver sleeps 10 s per request holding every slot of the
   `webhooks` pool (40 events waiting behind them), then without again.
Prints one `key value` line per figure. Every wait is bounded.
"""
import http.client, json, os, statistics, subprocess, sys, time
from datetime import datetime
from urllib.parse import urlparse

BASE, RECEIVER, DIR, PID, IDS, RECEIVER_PID = sys.argv[1:7]
PACE_MS = float(os.environ.get("WEBHOOK_BENCH_PACE_MS", "3.0"))
base = urlparse(BASE)
ids = [line.strip() for line in open(IDS) if line.strip()]


def connection():
    return http.client.HTTPConnection(base.hostname, base.port, timeout=30)


def call(conn, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, base.path + path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
    return json.loads(data) if data else None


def webhook(conn, inbox, mode, **extra):
    created = call(conn, "POST", "/webhooks", {"url": f"{RECEIVER}/{inbox}/{mode}", "events": ["product.updated"], **extra})
    with open(os.path.join(DIR, inbox + ".secret"), "w") as out:
        out.write(created["secret"])
    return created["id"]


inboxes = {}  # inbox -> [records, bytes of its file read so far]


def records(inbox):
    """The inbox's records so far, read incrementally: re-parsing the whole file at every poll
    would cost this driver a core while the server delivers."""
    path = os.path.join(DIR, inbox + ".jsonl")
    got, offset = inboxes.setdefault(inbox, [[], 0])
    if not os.path.exists(path):
        return got
    with open(path, "rb") as log:
        log.seek(offset)
        chunk = log.read()
    complete = chunk.rfind(b"\n") + 1  # a line being written is read at the next poll
    for line in chunk[:complete].splitlines():
        got.append(json.loads(line))
    inboxes[inbox][1] = offset + complete
    return got


def wait_for(inbox, count, limit, prefix=None):
    """Waits for `count` distinct events (less the PATCHes of `prefix` that were refused)."""
    deadline = time.time() + limit
    while time.time() < deadline:
        got = records(inbox)
        expected = count - (len(refused(prefix)) if prefix else 0)
        if len({r["event_id"] for r in got}) >= expected:
            return got
        time.sleep(0.05)
    return records(inbox)


def stamp(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def memory():
    fields = {}
    for line in open(f"/proc/{PID}/status"):
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) // 1024
    return fields


def cpu_seconds(pid=PID):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(key, value):
    print(f"{key} {value}", flush=True)


admin = connection()

# 1. throughput
burst = webhook(admin, "burst", "ok")
updates = 10_000


def produce(prefix, delay_ms=0):
    """10,000 PATCHes from wrk (2 threads, 8 connections), as fast as the server answers them, or
    each connection waiting `delay_ms` before each request; returns wrk's process, stopped by the
    caller."""
    environment = dict(
        os.environ, WEBHOOK_BENCH_IDS=IDS, WEBHOOK_BENCH_PER_THREAD=str(updates // 2), WEBHOOK_BENCH_PREFIX=prefix,
        WEBHOOK_BENCH_DELAY_MS=str(delay_ms))
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "webhooks.lua")
    return subprocess.Popen(
        ["wrk", "-t2", "-c8", "-d300s", "-s", script, f"http://{base.hostname}:{base.port}"],
        env=environment, stdout=subprocess.DEVNULL, stderr=open(os.path.join(DIR, f"wrk-{prefix}.log"), "w"))


def refused(prefix):
    """The PATCHes wrk saw refused (each logged by bench/webhooks.lua): they made no event."""
    with open(os.path.join(DIR, f"wrk-{prefix}.log")) as log:
        return [line.strip() for line in log if line.startswith("PATCH answered")]


def report_deliveries(key, got, start):
    """The figures every run shares (keys prefixed by `key`): distinct events delivered,
    duplicates, bad signatures, deliveries/s from `start` to the last receipt, and the steady
    rate (the 1,000th to the 9,000th receipt). Returns (receipt times sorted, distinct events)."""
    times = sorted(r["received_at"] for r in got)
    distinct = len({r["event_id"] for r in got})
    report(f"{key}delivered", distinct)
    report(f"{key}duplicates", len(got) - distinct)
    report(f"{key}bad_signatures", sum(1 for r in got if not (r["signature_valid"] and r["standard_valid"])))
    report(f"{key}deliveries_per_s", f"{distinct / (times[-1] - start):.0f}")
    report(f"{key}deliveries_per_s_steady", f"{8000 / (times[8999] - times[999]):.0f}" if len(times) >= 9000 else "n/a")
    return times, distinct


receiver_before = cpu_seconds(RECEIVER_PID)
start = time.time()
producer = produce("bench")
got = wait_for("burst", updates, 180, prefix="bench")
producer.kill()
producer.wait()
report("receiver_cpu_ms_per_delivery", f"{(cpu_seconds(RECEIVER_PID) - receiver_before) * 1000 / max(len(got), 1):.3f}")
committed = max(stamp(r["body"]["occurred_at"]) for r in got)
report("updates_per_s", f"{updates / (committed - start):.0f}")
report("refused_patches", len(refused("bench")))
for line in refused("bench")[:3]:
    print(line, file=sys.stderr)
report_deliveries("", got, start)
report("rss_after_burst_mib", memory()["VmRSS"])

# 1b. the delivery pipeline alone: the events of 10,000 updates wait in the paused `webhooks`
# queue (the relay has made their deliveries and jobs); deliveries/s from its resume to the last
# receipt, and the server's CPU time per delivery meanwhile
call(admin, "POST", f"/webhooks/{burst}/disable")
drain = webhook(admin, "drain", "ok")
call(admin, "POST", "/queues/webhooks/pause")
producer = produce("drain")
deadline = time.time() + 120
while time.time() < deadline:
    waiting = next(q for q in call(admin, "GET", "/queues")["items"] if q["name"] == "webhooks")["waiting"]
    if waiting >= updates - len(refused("drain")):
        break
    time.sleep(0.1)
producer.kill()
producer.wait()
cpu_before = cpu_seconds()
start = time.time()
call(admin, "POST", "/queues/webhooks/resume")
got = wait_for("drain", updates, 180, prefix="drain")
report("drain_waiting_at_resume", waiting)
_, distinct = report_deliveries("drain_", got, start)
report("drain_server_cpu_ms_per_delivery", f"{(cpu_seconds() - cpu_before) * 1000 / max(distinct, 1):.2f}")

# 1c. sustained: the same 10,000 updates offered at a steady pace (each of wrk's 8 connections
# waits PACE_MS before each PATCH) rather than as fast as the server answers: do the deliveries
# keep pace? The updates' rate is measured (first PATCH → last commit); the deliveries' rate from
# the first PATCH to the last receipt; the lag is the last receipt − the last commit.
call(admin, "POST", f"/webhooks/{drain}/disable")
paced = webhook(admin, "paced", "ok")
start = time.time()
producer = produce("paced", delay_ms=PACE_MS)
got = wait_for("paced", updates, 180, prefix="paced")
producer.kill()
producer.wait()
committed = max(stamp(r["body"]["occurred_at"]) for r in got)
lags = sorted((r["received_at"] - stamp(r["body"]["occurred_at"])) * 1000 for r in got)
report("paced_delay_ms", PACE_MS)
times, distinct = report_deliveries("paced_", got, start)
report("paced_updates_per_s", f"{distinct / (committed - start):.0f}")
report("paced_lag_ms", f"{(times[-1] - committed) * 1000:.0f}")
report("paced_commit_to_receipt_p50_ms", f"{statistics.median(lags):.1f}")
report("paced_commit_to_receipt_p99_ms", f"{percentile(lags, 99):.1f}")

# 2. idle latency (the earlier webhooks off: one delivery per event)
call(admin, "POST", f"/webhooks/{paced}/disable")
time.sleep(1)
idle = webhook(admin, "idle", "ok")
samples = 200
for index in range(samples):
    call(admin, "PATCH", f"/products/{ids[index]}", {"name": f"idle {index}"})
    time.sleep(0.05)
got = wait_for("idle", samples, 30)
latency = [(r["received_at"] - stamp(r["body"]["occurred_at"])) * 1000 for r in got]
report("idle_delivered", len(latency))
report("idle_p50_ms", f"{statistics.median(latency):.1f}")
report("idle_p99_ms", f"{percentile(latency, 99):.1f}")
call(admin, "POST", f"/webhooks/{idle}/disable")


# 3. test_task enqueue → start, without and with a slow receiver holding the webhooks pool
def task_latency(count=300, pace=0.02):
    tasks = []
    for _ in range(count):
        tasks.append(call(admin, "POST", "/celery/test")["task_id"])
        time.sleep(pace)
    time.sleep(0.5)
    waits = []
    for task in tasks:
        detail = call(admin, "GET", f"/tasks/{task}")
        if detail["started_at"]:
            waits.append((stamp(detail["started_at"]) - stamp(detail["enqueued_at"])) * 1000)
    return percentile(waits, 50), percentile(waits, 99), len(waits)


p50, p99, n = task_latency()
report("test_task_before_p50_ms", f"{p50:.2f}")
report("test_task_before_p99_ms", f"{p99:.2f}")
slow = webhook(admin, "slow", "slow-10", timeout_seconds=30, retry_count=0)
for index in range(40):
    call(admin, "PATCH", f"/products/{ids[index]}", {"name": f"slow {index}"})
time.sleep(1)
busy = len(records("slow"))
p50, p99, n = task_latency()
report("slow_requests_in_flight", busy)
report("test_task_slow_p50_ms", f"{p50:.2f}")
report("test_task_slow_p99_ms", f"{p99:.2f}")
report("slow_requests_received_by_the_end", len(records("slow")))
call(admin, "POST", f"/webhooks/{slow}/disable")
p50, p99, n = task_latency()
report("test_task_after_p50_ms", f"{p50:.2f}")
report("test_task_after_p99_ms", f"{p99:.2f}")
report("rss_peak_mib", memory()["VmHWM"])
