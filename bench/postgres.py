#!/usr/bin/env python3
"""The queue on PostgreSQL with several worker processes (issue 21), run by bench/postgres.sh:

    bench/postgres.py BINARY DATABASE_URL PROCESSES SLOTS [JOBS]

Starts `importer api` (no workers) and PROCESSES `importer worker --concurrency SLOTS` on one
schema of the server; pauses `default`, submits JOBS no-op tasks (`importer.testing.noop`)
through the API, waits until every worker has registered, resumes the queue and times the drain
to the last SUCCESS (polled in the database every 20 ms). Prints `jobs_per_s N`. Every process it
starts is stopped by its pid; the schema is dropped.
"""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid

BINARY, URL, PROCESSES, SLOTS = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
JOBS = int(sys.argv[5]) if len(sys.argv) > 5 else 10_000
SCHEMA = "benchp_" + uuid.uuid4().hex[:10]
work = tempfile.mkdtemp(prefix="importer-bench-pg.")
url = f"{URL}{'&' if '?' in URL else '?'}schema={SCHEMA}&pool_size={SLOTS + 4}"
processes = []


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, body=None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Content-Type": "application/json"} if body is not None else {})
    response = conn.getresponse()
    data = response.read()
    if own:
        conn.close()
    return response.status, json.loads(data) if data else None


def psql(query):
    base = URL.split("?")[0]
    out = subprocess.run(["psql", base, "-qAtc", f"SET search_path TO {SCHEMA}; {query}"], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def start(*args, log):
    process = subprocess.Popen([BINARY, *args, "--database-url", url], stdout=open(os.path.join(work, log), "w"), stderr=subprocess.STDOUT)
    processes.append(process)
    return process


def main():
    env_config = os.path.join(work, "config.json")
    with open(env_config, "w") as out:
        json.dump({"enable_test_tasks": True, "log_level": "warning",
                   "builtin_schedules": {"result_expiry": {"enabled": False}, "cleanup_old_imports": {"enabled": False}}}, out)
    port = free_port()
    start("api", "--config", env_config, "--data-dir", os.path.join(work, "api"), "--port", str(port), log="api.log")
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            if call(port, "GET", "/healthz")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    call(port, "POST", "/api/v1/queues/default/pause")

    def produce(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(count):
            status, _ = call(port, "POST", "/api/v1/tasks", {"name": "importer.testing.noop"}, conn)
            assert status == 202, status

    threads = [threading.Thread(target=produce, args=(JOBS // 8,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index in range(PROCESSES):
        start("worker", "--config", env_config, "--data-dir", os.path.join(work, f"w{index}"), "--hostname", f"bench{index}",
              "--concurrency", str(SLOTS), "--no-beat", log=f"worker{index}.log")
    deadline = time.time() + 30
    while time.time() < deadline and len(call(port, "GET", "/api/v1/celery/workers")[1]["workers"]["stats"]) < PROCESSES:
        time.sleep(0.2)
    time.sleep(1)
    begin = time.time()
    call(port, "POST", "/api/v1/queues/default/resume")
    deadline = begin + 300
    while time.time() < deadline:
        if int(psql("SELECT count(*) FROM jobs WHERE state = 'SUCCESS'")) >= JOBS:
            break
        time.sleep(0.02)
    elapsed = time.time() - begin
    done = int(psql("SELECT count(*) FROM jobs WHERE state = 'SUCCESS'"))
    print(f"jobs_per_s {round(done / elapsed)}")
    print(f"succeeded {done}")


try:
    main()
finally:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    subprocess.run(["psql", URL.split("?")[0], "-qc", f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"], capture_output=True)
    subprocess.run(["rm", "-rf", work])
