"""Drives the Celery workload (issue 9) and prints one JSON object of figures."""
import json
import os
import statistics
import subprocess
import sys
import time

from tasks import _redis, import_csv, noop

JOBS = int(os.environ.get("BENCH_JOBS", "10000"))
ROUND_TRIPS = int(os.environ.get("BENCH_ROUND_TRIPS", "500"))


def rss_mb(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1000


def worker_pids(main_pid):
    children = subprocess.run(["pgrep", "-P", str(main_pid)], capture_output=True, text=True).stdout.split()
    return [main_pid] + [int(pid) for pid in children]


def main():
    worker_pid, redis_pid, csv_path, db_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    figures = {}
    # 1. Drain a pre-filled backlog: the worker is paused (SIGSTOP) while it is filled.
    _redis.delete("bench:done", "bench:latency")
    for pid in worker_pids(worker_pid):
        os.kill(pid, 19)
    start = time.time()
    for _ in range(JOBS):
        noop.delay()
    figures["enqueue_per_s"] = round(JOBS / (time.time() - start))
    start = time.time()
    for pid in worker_pids(worker_pid):
        os.kill(pid, 18)
    deadline = start + 600
    while int(_redis.get("bench:done") or 0) < JOBS and time.time() < deadline:
        time.sleep(0.01)
    figures["drain_per_s"] = round(JOBS / (time.time() - start))
    # 2. Sequential round trips: submit, wait for the result; enqueue-to-start from the task.
    _redis.delete("bench:latency")
    trips = []
    for _ in range(ROUND_TRIPS):
        sent = time.time()
        noop.delay(sent_at=sent).get(timeout=30)
        trips.append(time.time() - sent)
    starts = sorted(float(value) for value in _redis.lrange("bench:latency", 0, -1))
    trips.sort()
    figures["round_trip_p50_ms"] = round(statistics.median(trips) * 1000, 2)
    figures["round_trip_p99_ms"] = round(trips[int(len(trips) * 0.99) - 1] * 1000, 2)
    figures["enqueue_to_start_p50_ms"] = round(statistics.median(starts) * 1000, 2)
    figures["enqueue_to_start_p99_ms"] = round(starts[int(len(starts) * 0.99) - 1] * 1000, 2)
    figures["worker_rss_mb"] = round(rss_mb(worker_pids(worker_pid)), 1)
    figures["worker_processes"] = len(worker_pids(worker_pid))
    figures["redis_rss_mb"] = round(rss_mb([redis_pid]), 1)
    # 3. The CSV import as a typical Celery task.
    if csv_path != "-":
        start = time.time()
        result = import_csv.delay(csv_path, db_path).get(timeout=1800)
        figures["import_s"] = round(time.time() - start, 2)
        figures["import_products"] = result["products"]
        figures["worker_rss_after_import_mb"] = round(rss_mb(worker_pids(worker_pid)), 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
