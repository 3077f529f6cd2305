#!/usr/bin/env bash
# The web UI's browser tests (issues 18 and 19): Debian's chromium + chromium-driver driven by
# Selenium (browser/test_ui.py, then browser/test_monitor.py) against the real binary. Two
# `importer serve` processes on temporary data directories and free ports (one open, with the test
# tasks; one with auth_token, reads open) and the webhook receiver scripts/webhook_receiver.py,
# all stopped by their pids.
#   scripts/browser_tests.sh [ROWS] [--release] [--assert-speed] [--screenshots DIR]
# ROWS (default 200000) is the size of the generated CSV the test uploads. The debug binary is
# used unless --release. Screenshots go to a temporary folder, or DIR (docs/screenshots to update
# the committed ones). Needs python3 with selenium (.ci/run installs it in .venv-browser).
# With BROWSER_DATABASE_URL (postgres://…?sslmode=disable), both servers keep their queue,
# catalogue and uploads in PostgreSQL instead, each in a schema of its own (issue 22).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=200000 configuration=debug speed="" shots=""
while [ $# -gt 0 ]; do
    case "$1" in
        --release) configuration=release ;;
        --assert-speed) speed=--assert-speed ;;
        --screenshots) shots=$2; shift ;;
        *) rows=$1 ;;
    esac
    shift
done
python=${BROWSER_PYTHON:-python3}
work=$(mktemp -d)
open_pid="" locked_pid="" receiver_pid=""
cleanup() {
    for pid in $open_pid $locked_pid $receiver_pid; do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ready() { for _ in $(seq 200); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.1; done; echo "no server on port $1" >&2; return 1; }

swift build -c "$configuration" --product importer >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
binary=$(swift build -c "$configuration" --show-bin-path)/importer
mkdir -p "$work/shots" "$work/hooks"
# The reference generator when it is beside the clone (bench runs), else the tests' own.
if [ -f ../shared/tools/gen_products.py ]; then
    python3 ../shared/tools/gen_products.py "$rows" "$work/products.csv" >/dev/null
else
    python3 browser/products_csv.py "$rows" "$work/products.csv"
fi

receiver_port=$(free_port)
python3 scripts/webhook_receiver.py "$work/hooks" "$receiver_port" >/dev/null 2>&1 &
receiver_pid=$!
token=browser-test-token-$RANDOM$RANDOM
open_env=(IMPORTER_ENABLE_TEST_TASKS=true) locked_env=(IMPORTER_AUTH_TOKEN="$token")
if [ -n "${BROWSER_DATABASE_URL:-}" ]; then
    open_env+=(IMPORTER_DATABASE_URL="$BROWSER_DATABASE_URL&schema=browser_open_$RANDOM$RANDOM")
    locked_env+=(IMPORTER_DATABASE_URL="$BROWSER_DATABASE_URL&schema=browser_locked_$RANDOM$RANDOM")
fi
open_port=$(free_port)
env "${open_env[@]}" "$binary" serve --data-dir "$work/open" --port "$open_port" --log-level warning >"$work/open.log" 2>&1 &
open_pid=$!
locked_port=$(free_port)
env "${locked_env[@]}" "$binary" serve --data-dir "$work/locked" --port "$locked_port" --log-level warning >"$work/locked.log" 2>&1 &
locked_pid=$!
ready "$open_port"
ready "$locked_port"

status=0
timeout 600 "$python" browser/test_ui.py "http://127.0.0.1:$open_port" "http://127.0.0.1:$locked_port" "$token" \
    "http://127.0.0.1:$receiver_port" "$work/hooks" "$work/products.csv" "$work/shots" $speed || status=$?
# The monitor (issue 19) on the same open server, which runs the test tasks.
if [ $status -eq 0 ]; then
    timeout 600 "$python" browser/test_monitor.py "http://127.0.0.1:$open_port" "$work/open" "$work/shots" || status=$?
fi
if [ -n "$shots" ]; then
    mkdir -p "$shots"
    cp "$work"/shots/*.png "$shots"/
fi
if [ $status -ne 0 ]; then
    echo "--- serve (open) log tail" >&2; tail -20 "$work/open.log" >&2
fi
exit $status
