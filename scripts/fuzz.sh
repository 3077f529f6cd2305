#!/usr/bin/env bash
# libFuzzer runs (issue 10): builds `fuzz-csv` and `fuzz-json` with -sanitize=fuzzer,address
# (a separate scratch directory) and runs each for SECONDS (default 600), growing the corpus in
# Fuzz/corpus/{csv,json}. A crash or sanitizer finding stops the run and leaves the input in
# Fuzz/findings/. `swift test` replays the corpus (FuzzCorpusTests).
# Usage: scripts/fuzz.sh [SECONDS] [csv|json|both]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
which=${2:-both}
scratch=.build-fuzz
swift build -c release --scratch-path "$scratch" --product fuzz-csv -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
swift build -c release --scratch-path "$scratch" --product fuzz-json -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
mkdir -p Fuzz/findings
run() { # $1 target
    local work
    work=$(mktemp -d)
    cp Fuzz/corpus/"$1"/* "$work"/
    timeout $((seconds + 120)) "$scratch/release/fuzz-$1" "$work" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix=Fuzz/findings/"$1"- -print_final_stats=1 2>&1 | tail -20
    # Keep the grown corpus small: libFuzzer's merge keeps only inputs that add coverage.
    local merged
    merged=$(mktemp -d)
    "$scratch/release/fuzz-$1" -merge=1 "$merged" Fuzz/corpus/"$1" "$work" >/dev/null 2>&1
    rm -rf Fuzz/corpus/"$1" && mv "$merged" Fuzz/corpus/"$1"
    rm -rf "$work"
}
case "$which" in
csv | json) run "$which" ;;
both) run csv & run json & wait ;;
esac
ls Fuzz/findings | grep -q . && { echo "findings in Fuzz/findings" >&2; exit 1; }
echo "no findings"
