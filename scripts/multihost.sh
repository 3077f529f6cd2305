#!/usr/bin/env bash
# The multi-host proof of the queue on PostgreSQL (issue 21): three `importer worker` hosts in
# network namespaces and `importer api`, against one throwaway PostgreSQL (scripts/multihost.py
# says what it checks). Where network namespaces are not allowed (not root, a sandbox that
# refuses them) it says why and exits 0; it exits 1 only when a check fails.
# Usage: scripts/multihost.sh [BINARY]   (default: a release build of this checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-}
if [ -z "$binary" ]; then
    swift build -c release --product importer >&2
    binary=.build/release/importer
fi
command -v ip >/dev/null || { echo "multihost: skipped: no ip command (Debian: iproute2)"; exit 0; }
command -v psql >/dev/null || { echo "multihost: needs psql (Debian: postgresql-client)" >&2; exit 1; }
exec timeout 900 python3 scripts/multihost.py "$binary"
