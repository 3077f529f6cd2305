#!/usr/bin/env python3
"""Crash soak (issue 10): rounds of `importer serve` under a mixed load, each ended by SIGKILL at
a random moment; then a final run to the end and the checks:

- every submitted task id (one the API answered 2xx for) exists and reached a final state;
- no job ran to SUCCESS twice (the attempts table records every delivery);
- no job is STARTED/PROGRESS without a live lease;
- the products equal an uninterrupted import of the same files (a checksum of every
  (sku, name, description, active) row in key order).

Usage: scripts/soak.sh [ROUNDS] (default 20). Needs a release build (the wrapper builds it).
Every process it starts is stopped by its pid; everything lives in a temporary directory."""
import hashlib
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build", "release", "importer")
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
ROWS = int(os.environ.get("SOAK_ROWS", "500000"))
SHORT_JOBS = int(os.environ.get("SOAK_JOBS", "5000"))
# Short leases and retries, so that killed deliveries come back within the run.
ENV = dict(
    os.environ, IMPORTER_ENABLE_TEST_TASKS="true", IMPORTER_LOG_LEVEL="warning", IMPORTER_VISIBILITY_TIMEOUT="5",
    IMPORTER_RETRY_DELAY="0.5", IMPORTER_RETRY_JITTER="false")
FINAL = {"SUCCESS", "FAILURE", "REVOKED"}


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(data_dir, log):
    """`importer serve` on a free port; returns once /healthz answers."""
    port = free_port()
    process = subprocess.Popen(
        [BIN, "serve", "--data-dir", data_dir, "--port", str(port)], env=ENV, stdout=log, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"serve exited with {process.returncode}; see {log.name}")
        time.sleep(0.05)
    process.kill()
    raise SystemExit("serve did not start within 30 s")


def post(connection, path, body=None):
    payload = json.dumps(body) if body is not None else None
    headers = {"Content-Type": "application/json"} if payload else {}
    connection.request("POST", path, body=payload, headers=headers)
    response = connection.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data else None)


def submit_load(port, csv_path, data_dir, submitted, stop_at):
    """Two imports and the short jobs, until the kill time; returns quietly when the server dies."""
    try:
        for _ in range(2):
            run = subprocess.run([BIN, "import", csv_path, "--data-dir", data_dir], env=ENV, capture_output=True, text=True, timeout=60)
            if run.returncode == 0:
                submitted.add(json.loads(run.stdout)["task_id"])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for index in range(SHORT_JOBS):
            if time.time() >= stop_at:
                return
            if index % 50 == 0:
                body = {"name": "importer.testing.fail", "args": [1]}
            elif index % 97 == 0:
                body = {"name": "importer.testing.sleep", "args": [0.5]}
            else:
                body = {"name": "importer.testing.noop"}
            status, reply = post(connection, "/api/v1/tasks", body)
            if 200 <= status < 300:
                submitted.add(reply["task_id"])
    except (OSError, http.client.HTTPException, subprocess.TimeoutExpired, json.JSONDecodeError):
        return


def checksum(db_path):
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    digest = hashlib.sha256()
    count = 0
    for row in db.execute("SELECT sku, name, description, active FROM products ORDER BY sku_key"):
        digest.update("\x1f".join(map(str, row)).encode() + b"\x1e")
        count += 1
    db.close()
    return count, digest.hexdigest()


def main():
    work = tempfile.mkdtemp(prefix="soak-")
    csv_path = os.path.join(work, "products.csv")
    subprocess.run([sys.executable, os.path.join(ROOT, "..", "shared", "tools", "gen_products.py"), str(ROWS), csv_path],
                   check=True, capture_output=True)
    # The reference: the same file imported once, uninterrupted (twice = once: last one wins).
    reference_dir = os.path.join(work, "reference")
    worker = subprocess.Popen([BIN, "worker", "--data-dir", reference_dir], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        subprocess.run([BIN, "import", csv_path, "--wait", "--data-dir", reference_dir], env=ENV, check=True,
                       capture_output=True, timeout=600)
    finally:
        worker.kill()
        worker.wait()
    expected = checksum(os.path.join(reference_dir, "catalog.sqlite"))

    data_dir = os.path.join(work, "data")
    os.makedirs(data_dir)
    submitted = set()
    rng = random.Random(int(os.environ.get("SOAK_SEED", "1")))
    survived = 0
    for number in range(1, ROUNDS + 1):
        with open(os.path.join(work, f"round-{number}.log"), "w") as log:
            process, port = start(data_dir, log)
            kill_at = time.time() + rng.uniform(0.5, 6.0)
            submit_load(port, csv_path, data_dir, submitted, kill_at)
            time.sleep(max(0, kill_at - time.time()))
            process.send_signal(signal.SIGKILL)
            process.wait()
        survived += 1
        print(f"round {number}: killed; {len(submitted)} ids submitted so far", flush=True)

    # The final run: everything submitted reaches a final state.
    with open(os.path.join(work, "final.log"), "w") as log:
        process, port = start(data_dir, log)
        try:
            queue = os.path.join(data_dir, "queue.sqlite")
            deadline = time.time() + 60 + 10 * ROUNDS
            while time.time() < deadline:
                db = sqlite3.connect(f"file:{queue}?mode=ro", uri=True)
                waiting = db.execute("SELECT COUNT(*) FROM jobs WHERE state NOT IN ('SUCCESS','FAILURE','REVOKED')").fetchone()[0]
                db.close()
                if waiting == 0:
                    break
                time.sleep(1)
            time.sleep(1)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    violations = []
    db = sqlite3.connect(f"file:{os.path.join(data_dir, 'queue.sqlite')}?mode=ro", uri=True)
    states = dict(db.execute("SELECT id, state FROM jobs"))
    for task_id in sorted(submitted):
        if task_id not in states:
            violations.append(f"submitted {task_id} is missing")
        elif states[task_id] not in FINAL:
            violations.append(f"{task_id} ended {states[task_id]}")
    for job_id, count in db.execute(
            "SELECT job_id, COUNT(*) FROM attempts WHERE outcome = 'SUCCESS' GROUP BY job_id HAVING COUNT(*) > 1"):
        violations.append(f"{job_id} succeeded {count} times")
    now = time.time()
    for job_id, lease in db.execute("SELECT id, lease_until FROM jobs WHERE state IN ('STARTED','PROGRESS')"):
        if lease is None or lease < now:
            violations.append(f"{job_id} is running without a live lease")
    imports = db.execute(
        "SELECT state, COUNT(*) FROM jobs WHERE name = 'app.tasks.product_tasks.process_csv_import' GROUP BY state").fetchall()
    db.close()
    products = checksum(os.path.join(data_dir, "catalog.sqlite"))
    if products != expected:
        violations.append(f"products differ from an uninterrupted import: {products} vs {expected}")
    print(json.dumps({
        "rounds": ROUNDS, "survived": survived, "submitted": len(submitted), "imports": dict(imports),
        "products": products[0], "violations": len(violations), "work_dir": work}))
    for violation in violations[:50]:
        print("VIOLATION", violation)
    if not violations:
        subprocess.run(["rm", "-rf", work])
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
