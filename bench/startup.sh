#!/usr/bin/env bash
# Start-up time (issue 20): exec of `importer serve` → the first 200 from /healthz, on a fresh
# data directory each time (so it includes creating and migrating both databases) and on one
# that already exists, for each binary given; 20 runs each, alternated; median and max in ms.
# The clock starts just before exec and /healthz is polled every 2 ms over new connections.
# Usage: bench/startup.sh BINARY...   (e.g. .build/release/importer dist/importer-*/importer)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: bench/startup.sh BINARY..." >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$@" <<'PY'
import http.client, os, socket, statistics, subprocess, sys, time
work, binaries = sys.argv[1], sys.argv[2:]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

def start(binary, data):
    port = free_port()
    began = time.perf_counter()
    server = subprocess.Popen([binary, "serve", "--port", str(port), "--data-dir", data, "--log-level", "warning"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - began < 10:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return (time.perf_counter() - began) * 1000
            except OSError:
                time.sleep(0.002)
        raise SystemExit(f"{binary}: no 200 from /healthz within 10 s")
    finally:
        server.kill(); server.wait()

times = {(binary, kind): [] for binary in binaries for kind in ("fresh", "existing")}
for round in range(20):
    for index, binary in enumerate(binaries):
        times[(binary, "fresh")].append(start(binary, f"{work}/fresh-{index}-{round}"))
        times[(binary, "existing")].append(start(binary, f"{work}/existing-{index}"))
print("| binary | data directory | median (ms) | max (ms) |")
print("| --- | --- | ---: | ---: |")
for (binary, kind), values in times.items():
    print(f"| `{binary}` | {kind} | {statistics.median(values):.1f} | {max(values):.1f} |")
PY
