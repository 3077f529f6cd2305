#!/usr/bin/env bash
# Crash soak (issue 10): N rounds (default 20) of `importer serve` under a mixed load (two imports
# of the reference CSV, 5,000 short jobs with some fail(1) and sleep), SIGKILLed at a random
# moment, then restarted; finally checks that every submitted id reached a final state, none
# succeeded twice, nothing runs without a live lease, and the products equal an uninterrupted
# import. Prints the rounds survived and every violation; exits non-zero on any.
# Usage: scripts/soak.sh [ROUNDS]   (SOAK_ROWS, SOAK_JOBS, SOAK_SEED to change the load)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release >/dev/null 2>&1
exec timeout 7200 python3 scripts/soak.py "${1:-20}"
