#!/usr/bin/env bash
# Proof that a release binary runs on a host with no Swift (issue 20), run by .ci/run: in a
# private mount namespace an empty tmpfs covers the Swift toolchain's folder, and there the
# binary passes scripts/release-smoke.sh (version, /healthz, test_task, a 20,000-row import).
# Usage: scripts/hidden-toolchain-test.sh BINARY   (as root; needs unshare, curl, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(readlink -f "$1")
swift_path=$(command -v swift || true)
[ -n "$swift_path" ] || { echo "hidden-toolchain: no swift on PATH, so no toolchain to hide" >&2; exit 1; }
# /opt/swift/usr/bin/swift → /opt/swift: the folder holding the toolchain's usr/.
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$swift_path")")")")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unshare --mount --propagation private bash -euo pipefail -c '
    toolchain=$1 binary=$2 work=$3
    mount -t tmpfs -o size=1m tmpfs "$toolchain"
    if [ -n "$(ls -A "$toolchain")" ] || command -v swift >/dev/null; then
        echo "hidden-toolchain: the toolchain is still visible" >&2
        exit 1
    fi
    echo "toolchain hidden: $toolchain is an empty tmpfs here"
    echo "libraries: $(ldd "$binary" | awk "{print \$1}" | tr "\n" " ")"
    if ldd "$binary" | grep "not found" >&2; then exit 1; fi
    scripts/release-smoke.sh "$work" "$work" "$binary"
' hidden-toolchain "$toolchain" "$binary" "$work"
echo "hidden-toolchain: ok"
