#!/usr/bin/env python3
"""Multi-host proof of the appliance on PostgreSQL (issues 21 and 22, DESIGN.md §14).

    scripts/multihost.py [BINARY]      (run by scripts/multihost.sh; root, iproute2, PostgreSQL)

Three hosts are three network namespaces (imh1..imh3), each joined to this one by a veth pair
(10.200.N.2 inside, 10.200.N.1 outside). One PostgreSQL listens outside on 127.0.0.1 and the
10.200.N.1 addresses. `importer api` runs outside; `importer worker --hostname hostN` runs in
each namespace (visibility_timeout 3 s, a beat each, a 1 s schedule). Then:

1. 5,000 test_tasks through the API: each SUCCESS exactly once (one delivery, one successful
   attempt), and every host ran some;
2. a worker SIGKILLed while its job runs: the job is delivered once more, one SUCCESS;
3. a host cut off (its link down) for longer than visibility_timeout while its job runs: the job
   finishes on another host, the old holder's result is refused once it is back (ack refused
   or result discarded: its lease was lost), exactly one SUCCESS;
4. beat: the 1 s schedule, fired by three beats, enqueued once per due time for 30 s;
5. a revoke through the API stops a job running on another host within 1 s;
6. a CSV uploaded to `importer api` (its own data directory) is imported by a worker in a
   namespace, which fetches the upload from PostgreSQL: the products are right, the import's
   progress and its end are seen through the API's event stream, and the worker's copy is gone.

Prints one line per check (PASS/FAIL with the figures) and exits 1 if any failed. Every wait is
bounded; every process it starts is stopped by its pid, and the namespaces are removed.
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/importer")
HOSTS = [1, 2, 3]
SCHEMA = "multihost"
TEST_TASK = "app.tasks.product_tasks.test_task"
SLEEP_TASK = "importer.testing.sleep"
NOOP_TASK = "importer.testing.noop"

work = tempfile.mkdtemp(prefix="importer-multihost.")
processes = {}  # name -> Popen
failures = []
pg_dir = None


def run(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


def netns(host, *args, check=True):
    return run("ip", "netns", "exec", f"imh{host}", *args, check=check)


def report(name, ok, detail):
    print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)
    if not ok:
        failures.append(name)


def wait_until(condition, timeout, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


# MARK: Network and server


def setup_network():
    for host in HOSTS:
        run("ip", "netns", "add", f"imh{host}")
        run("ip", "link", "add", f"vh{host}", "type", "veth", "peer", "name", f"vn{host}")
        run("ip", "link", "set", f"vn{host}", "netns", f"imh{host}")
        run("ip", "addr", "add", f"10.200.{host}.1/24", "dev", f"vh{host}")
        run("ip", "link", "set", f"vh{host}", "up")
        netns(host, "ip", "addr", "add", f"10.200.{host}.2/24", "dev", f"vn{host}")
        netns(host, "ip", "link", "set", f"vn{host}", "up")
        netns(host, "ip", "link", "set", "lo", "up")


def teardown():
    for process in processes.values():
        if process.poll() is None:
            process.kill()
            process.wait()
    for host in HOSTS:
        run("ip", "netns", "del", f"imh{host}", check=False)
        run("ip", "link", "del", f"vh{host}", check=False)
    if pg_dir:
        run("scripts/pg-throwaway.sh", "stop", pg_dir, check=False)


def start_server():
    global pg_dir
    listen = ",".join(["127.0.0.1"] + [f"10.200.{host}.1" for host in HOSTS])
    env = dict(os.environ, PG_LISTEN=listen, PG_TRUST_CIDR="10.200.0.0/16")
    out = subprocess.run(["scripts/pg-throwaway.sh", "start"], check=True, capture_output=True, text=True, env=env).stdout
    pg_dir, url = out.split()
    port = url.rsplit(":", 1)[1].split("/")[0]
    return port


def sql(port, query):
    out = run("psql", f"postgres://postgres@127.0.0.1:{port}/postgres", "-qAtc", f"SET search_path TO {SCHEMA}; {query}").stdout
    return [line.split("|") for line in out.strip().splitlines() if line]


# MARK: The appliance


def write_config():
    config = {
        "visibility_timeout": 3,
        "enable_test_tasks": True,
        "poll_interval": 0.5,
        "schedules": [{"name": "mh-tick", "task": NOOP_TASK, "every": 1}],
        "builtin_schedules": {"result_expiry": {"enabled": False}, "cleanup_old_imports": {"enabled": False}},
        "log_level": "info",
    }
    path = os.path.join(work, "config.json")
    with open(path, "w") as out:
        json.dump(config, out)
    return path


def start_api(port, config):
    api_port = free_port()
    url = f"postgres://postgres@127.0.0.1:{port}/postgres?schema={SCHEMA}&sslmode=disable"
    log = open(os.path.join(work, "api.log"), "w")
    processes["api"] = subprocess.Popen(
        [BINARY, "api", "--config", config, "--database-url", url, "--data-dir", os.path.join(work, "api"), "--port", str(api_port)],
        stdout=log, stderr=subprocess.STDOUT)
    if not wait_until(lambda: status(api_port, "GET", "/healthz") == 200, 20):
        raise SystemExit("multihost: importer api did not answer /healthz")
    return api_port


def start_worker(host, port, config):
    url = f"postgres://postgres@10.200.{host}.1:{port}/postgres?schema={SCHEMA}&sslmode=disable"
    log = open(os.path.join(work, f"host{host}.log"), "a")
    processes[f"host{host}"] = subprocess.Popen(
        ["ip", "netns", "exec", f"imh{host}", BINARY, "worker", "--config", config, "--database-url", url, "--data-dir",
         os.path.join(work, f"host{host}"), "--hostname", f"host{host}", "--concurrency", "4"],
        stdout=log, stderr=subprocess.STDOUT)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(api_port, method, path, body=None):
    try:
        return call(api_port, method, path, body)[0]
    except OSError:
        return None


def call(api_port, method, path, body=None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if own:
        conn.close()
    return response.status, (json.loads(data) if data else None)


def submit(api_port, name, args=(), conn=None):
    code, body = call(api_port, "POST", "/api/v1/tasks", {"name": name, "args": list(args)}, conn)
    if code not in (200, 202):
        raise SystemExit(f"multihost: submitting {name} answered {code} {body}")
    return body["task_id"]


def task(api_port, task_id):
    return call(api_port, "GET", f"/api/v1/tasks/{task_id}")[1]


def wait_started(api_port, task_id, timeout=20):
    return wait_until(lambda: (t := task(api_port, task_id)) and t.get("state") == "STARTED" and t, timeout)


def holder_host(record):
    # worker = importer@hostN:pid
    return int(record["worker"].split("@host")[1].split(":")[0])


# MARK: The checks


def check_exactly_once(api_port, port):
    started = time.time()
    ids = []
    lock = threading.Lock()

    def producer(count):
        conn = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
        mine = [submit(api_port, TEST_TASK, conn=conn) for _ in range(count)]
        with lock:
            ids.extend(mine)

    threads = [threading.Thread(target=producer, args=(625,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    count = lambda: int(sql(port, f"SELECT count(*) FROM jobs WHERE name = '{TEST_TASK}' AND state = 'SUCCESS'")[0][0])
    wait_until(lambda: count() >= 5000, 180, step=0.5)
    elapsed = time.time() - started
    succeeded = count()
    once = int(sql(port, f"SELECT count(*) FROM jobs WHERE name = '{TEST_TASK}' AND state = 'SUCCESS' AND deliveries = 1")[0][0])
    attempts = int(sql(port, f"""SELECT count(*) FROM attempts a JOIN jobs j ON j.id = a.job_id
                                 WHERE j.name = '{TEST_TASK}' AND a.outcome = 'SUCCESS'""")[0][0])
    by_host = {row[0].split("@")[1].split(":")[0]: int(row[1]) for row in
               sql(port, f"SELECT worker, count(*) FROM jobs WHERE name = '{TEST_TASK}' GROUP BY worker")}
    ok = len(set(ids)) == 5000 and succeeded == 5000 and once == 5000 and attempts == 5000 and len(by_host) == 3
    report("5,000 test_tasks, each SUCCESS exactly once", ok,
           f"{succeeded} SUCCESS, {once} with one delivery, {attempts} successful attempts, by host {by_host}, "
           f"{elapsed:.1f} s from the first submit to the last SUCCESS")


def attempt_outcomes(port, task_id):
    return [row[0] for row in sql(port, f"SELECT coalesce(outcome, '-') FROM attempts WHERE job_id = '{task_id}' ORDER BY delivery")]


def check_sigkill(api_port, port, config):
    task_id = submit(api_port, SLEEP_TASK, [4])
    record = wait_started(api_port, task_id)
    if not record:
        return report("a worker SIGKILLed mid-job", False, "the job never started")
    host = holder_host(record)
    processes[f"host{host}"].send_signal(signal.SIGKILL)
    processes[f"host{host}"].wait()
    killed_at = time.time()
    start_worker(host, port, config)
    done = wait_until(lambda: (t := task(api_port, task_id)) and t["state"] in ("SUCCESS", "FAILURE") and t, 40)
    outcomes = attempt_outcomes(port, task_id)
    ok = bool(done) and done["state"] == "SUCCESS" and outcomes == ["LOST", "SUCCESS"] and done.get("deliveries") == 2
    report("a worker SIGKILLed mid-job: delivered once more, one SUCCESS", ok,
           f"killed host{host}; state {done and done['state']}, attempts {outcomes}, "
           f"SUCCESS {time.time() - killed_at:.1f} s after the kill, on {done and done.get('worker')}")


def check_partition(api_port, port):
    task_id = submit(api_port, SLEEP_TASK, [8])
    record = wait_started(api_port, task_id)
    if not record:
        return report("a host partitioned mid-job", False, "the job never started")
    host = holder_host(record)
    log_before = open(os.path.join(work, f"host{host}.log")).read()
    netns(host, "ip", "link", "set", f"vn{host}", "down")
    cut_at = time.time()
    moved = wait_until(lambda: (t := task(api_port, task_id)) and t["state"] == "STARTED" and holder_host(t) != host and t, 15)
    moved_after = time.time() - cut_at
    time.sleep(max(0, 9 - (time.time() - cut_at)))  # longer than visibility_timeout (3 s)
    netns(host, "ip", "link", "set", f"vn{host}", "up")
    done = wait_until(lambda: (t := task(api_port, task_id)) and t["state"] == "SUCCESS" and t, 30)
    # The old holder's body (8 s) ends after the link is back: its result must be refused.
    refused = wait_until(lambda: any(word in open(os.path.join(work, f"host{host}.log")).read()[len(log_before):]
                                     for word in ("ack_refused", "result_discarded")), 20)
    tail = open(os.path.join(work, f"host{host}.log")).read()[len(log_before):]
    how = "ack refused (stale lease)" if "ack_refused" in tail else ("result discarded (lease lost)" if refused else "no sign")
    outcomes = attempt_outcomes(port, task_id)
    successes = outcomes.count("SUCCESS")
    ok = bool(moved) and bool(done) and holder_host(done) != host and successes == 1 and bool(refused)
    report("a host partitioned longer than visibility_timeout mid-job: finished elsewhere, old holder refused", ok,
           f"host{host} cut for 9 s; running on {moved and moved['worker']} {moved_after:.1f} s after the cut; "
           f"attempts {outcomes}; the old holder: {how}")


def check_beat(port, seconds=30):
    # The due times of a window, counted once they all had time to fire (a beat catching up on
    # earlier due times does not count into it).
    first = time.time()
    last = first + seconds
    time.sleep(seconds + 3)
    window = f"due > {first} AND due <= {last}"
    rows = sql(port, f"""SELECT count(*), count(DISTINCT due), count(DISTINCT task_id) FROM schedule_runs
                         WHERE schedule = 'mh-tick' AND {window}""")
    runs, dues, tasks = map(int, rows[0])
    jobs = int(sql(port, f"""SELECT count(*) FROM jobs WHERE name = '{NOOP_TASK}' AND id IN
                             (SELECT task_id FROM schedule_runs WHERE schedule = 'mh-tick' AND {window})""")[0][0])
    by_host = sql(port, f"""SELECT split_part(split_part(worker, '@', 2), ':', 1), count(*) FROM jobs WHERE name = '{NOOP_TASK}'
                            AND id IN (SELECT task_id FROM schedule_runs WHERE schedule = 'mh-tick' AND {window}) GROUP BY 1""")
    ok = runs == dues == tasks == jobs and seconds - 2 <= dues <= seconds + 1
    report(f"a 1 s schedule over {seconds} s with three beats: once per due time", ok,
           f"{dues} due times, {tasks} tasks enqueued, {jobs} jobs; run by {dict((h, int(n)) for h, n in by_host)}")


def check_revoke(api_port, port):
    task_id = submit(api_port, SLEEP_TASK, [30])
    record = wait_started(api_port, task_id)
    if not record:
        return report("a revoke from the API", False, "the job never started")
    asked = time.time()
    code, _ = call(api_port, "DELETE", f"/api/v1/celery/task/{task_id}")
    done = wait_until(lambda: (t := task(api_port, task_id)) and t["state"] == "REVOKED" and t, 10, step=0.02)
    took = time.time() - asked
    ok = code == 200 and bool(done) and took <= 1.0
    report("a revoke from the API stops a job running on another host within 1 s", ok,
           f"running on {record['worker']}; REVOKED {took * 1000:.0f} ms after the request")


def check_upload(api_port):
    rows = 3000
    csv = "sku,name,description\n" + "".join(f"MH-{i},Product {i},\"line {i}, with a comma\"\n" for i in range(rows))
    conn = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    conn.request("POST", "/api/v1/products/upload?filename=multihost.csv", body=csv.encode(), headers={"Content-Type": "text/csv"})
    response = conn.getresponse()
    uploaded = json.loads(response.read() or b"{}")
    conn.close()
    if response.status != 202:
        return report("an upload imported on another host", False, f"the upload answered {response.status} {uploaded}")
    # The event stream, through the API, to its end.
    events = []
    conn = http.client.HTTPConnection("127.0.0.1", api_port, timeout=60)
    conn.request("GET", f"/api/v1/imports/{uploaded['import_id']}/events")
    stream = conn.getresponse()
    for line in stream:
        line = line.decode().strip()
        if line.startswith("event: "):
            events.append(line[len("event: "):])
            if events[-1] != "progress":
                break
    conn.close()
    record = task(api_port, uploaded["task_id"]) or {}
    host = holder_host(record) if record.get("worker") else None
    code, listing = call(api_port, "GET", "/api/v1/products?sku=mh-&limit=1")
    total = listing.get("total") if code == 200 else None
    code, one = call(api_port, "GET", "/api/v1/products?sku=mh-2999&limit=1")
    item = (one or {}).get("items", [{}])[0] if code == 200 else {}
    copies = [name for h in HOSTS for name in os.listdir(os.path.join(work, f"host{h}", "uploads"))
              if os.path.isdir(os.path.join(work, f"host{h}", "uploads"))]
    ok = (events[:1] == ["progress"] and events[-1:] == ["complete"] and host in HOSTS and total == rows
          and item.get("description") == "line 2999, with a comma" and not copies)
    report("an upload to the API is imported by a worker on another host", ok,
           f"imported on host{host}; events {events[0] if events else None}…{events[-1] if events else None} "
           f"({len(events)}); {total} products; copies left on the worker hosts: {len(copies)}")


def main():
    if os.geteuid() != 0:
        print("multihost: skipped: network namespaces need root")
        return 0
    probe = run("ip", "netns", "add", "imh-probe", check=False)
    if probe.returncode != 0:
        print(f"multihost: skipped: network namespaces are not allowed here ({probe.stderr.strip()})")
        return 0
    run("ip", "netns", "del", "imh-probe")
    try:
        setup_network()
        port = start_server()
        config = write_config()
        api_port = start_api(port, config)
        for host in HOSTS:
            start_worker(host, port, config)
        live = lambda: len(call(api_port, "GET", "/api/v1/celery/workers")[1]["workers"]["stats"]) == 3
        if not wait_until(live, 30, step=0.5):
            raise SystemExit("multihost: the three workers did not all report")
        print(f"multihost: 3 workers in namespaces imh1..imh3, importer api on 127.0.0.1:{api_port}, "
              f"PostgreSQL on port {port}", flush=True)
        check_exactly_once(api_port, port)
        check_sigkill(api_port, port, config)
        check_partition(api_port, port)
        check_revoke(api_port, port)
        check_beat(port)
        check_upload(api_port)
    finally:
        teardown()
    if failures:
        print(f"multihost: {len(failures)} check(s) failed; logs kept in {work}")
        return 1
    run("rm", "-rf", work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
