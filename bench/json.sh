#!/usr/bin/env bash
# JSONValue(parsing:) against JSONDecoder, per call (BENCHMARKS.md): compiles the two source
# files with bench/json/main.swift (swiftc -O, no package build) and prints a table.
# Usage: bench/json.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
swiftc -O -module-name JSONBench Sources/TaskQueue/Model/JSONValue.swift Sources/TaskQueue/Model/JSONParser.swift \
    bench/json/main.swift -o "$out/json-bench"
"$out/json-bench"
