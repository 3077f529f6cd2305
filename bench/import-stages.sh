#!/usr/bin/env bash
# Where the 500k import's time goes (issue 23), in one run: `importer import FILE --wait` with a
# running worker, split into
#   - start-up, submission and the wait's polling: the same command on a one-row file;
#   - copying the file into the uploads directory: `cp` of the file within the data directory's
#     filesystem (what `importer import` does before it submits);
#   - reading (parse, validate, sort into runs) and merging (runs merged, batches written and
#     committed), with the merge's parts: the import's own `stages` in its result;
#   - the rest: the lock, the records, the task's pick-up.
# Then the same for the second import of the file (every row an update). With PERF=1 the worker
# runs under `perf record` and the top symbols of the merge are printed (where SQLite's time goes).
# Usage: [PERF=1] bench/import-stages.sh [ROWS]   (default 500000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-500000}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
swift build -c release --product importer >/dev/null
bin=.build/release/importer
csv="$work/products.csv"
python3 ../shared/tools/gen_products.py "$rows" "$csv" >/dev/null
printf 'sku,name\nx,1\n' >"$work/tiny.csv"

"$bin" worker --data-dir "$work/data" --log-level warning 2>"$work/worker.log" &
worker=$!
for _ in $(seq 50); do [ -f "$work/data/queue.sqlite" ] && break; sleep 0.1; done
sleep 1
if [ "${PERF:-0}" = 1 ]; then
    perf record -F 999 -g -p "$worker" -o "$work/perf.data" >/dev/null 2>&1 &
    perf_pid=$!
    sleep 0.5
fi
now() { date +%s.%N; }
run() { # $1: file, $2: output; prints the wall seconds
    local start
    start=$(now)
    timeout 900 "$bin" import "$1" --wait --data-dir "$work/data" >"$2" 2>/dev/null
    echo "$(now) - $start" | bc
}
tiny=$(run "$work/tiny.csv" "$work/tiny.json")
start=$(now); cp "$csv" "$work/data/uploads/copy-test.csv"; copy=$(echo "$(now) - $start" | bc); rm "$work/data/uploads/copy-test.csv"
first=$(run "$csv" "$work/first.json")
again=$(run "$csv" "$work/again.json")
if [ "${PERF:-0}" = 1 ]; then kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true; fi
kill -TERM $worker; wait $worker 2>/dev/null || true

python3 - "$tiny" "$copy" "$first" "$again" "$work/first.json" "$work/again.json" <<'PY'
import json, sys
tiny, copy, first, again = map(float, sys.argv[1:5])
runs = [json.load(open(path)) for path in sys.argv[5:7]]
print("| stage | first import (s) | share | same file again (s) | share |")
print("| --- | ---: | ---: | ---: | ---: |")
def row(name, a, b):
    print(f"| {name} | {a:.2f} | {a / first:.0%} | {b:.2f} | {b / again:.0%} |")
stages = [r["stages"] for r in runs]
row("start-up, submission, the wait's polling (a one-row import)", tiny, tiny)
row("copy into uploads (cp)", copy, copy)
row("read: parse, validate, sort into runs", stages[0]["read_seconds"], stages[1]["read_seconds"])
row("merge: runs merged, batches written and committed", stages[0]["merge_seconds"], stages[1]["merge_seconds"])
parts = [("wait_seconds", "the writer waiting for the merge thread (runs merged, ids made)"),
         ("write_seconds", "products written: SQLite's statements into its page cache"),
         ("checkpoint_seconds", "checkpoints (the import record's row)"),
         ("commit_seconds", "transactions: begin, fence, product count, commit (pages into the WAL)")]
for key, name in parts:
    row("— " + name, stages[0][key], stages[1][key])
row("— the rest of the merge (progress, cancellation checks)",
    *[s["merge_seconds"] - sum(s[key] for key, _ in parts) for s in stages])
rest = [total - tiny - copy - s["read_seconds"] - s["merge_seconds"] for total, s in zip((first, again), stages)]
row("the rest: pick-up, lock, records", rest[0], rest[1])
print(f"| **end to end** | **{first:.2f}** | | **{again:.2f}** | |")
PY
if [ "${PERF:-0}" = 1 ]; then
    echo
    echo "Top symbols of the worker over both imports (perf, self time):"
    perf report -i "$work/perf.data" --no-children --sort sym --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -30
fi
