#!/usr/bin/env bash
# The release binary on a clean host (issue 20): a minimal Debian root filesystem made by
# `debootstrap --variant=minbase`, plus libsqlite3-0 and nothing else (no Swift, no compiler, no
# curl or Python). Inside it (chroot, sharing this host's network), the binary passes
# scripts/release-smoke.sh (version, /healthz, test_task, a 20,000-row import), checked from outside.
# Usage: scripts/clean-host-test.sh BINARY [ROOTFS]   (as root; needs debootstrap and a Debian
#   mirror, DEBIAN_MIRROR, default http://deb.debian.org/debian; ROOTFS is kept and reused,
#   default /tmp/importer-clean-host)
set -euo pipefail
binary=$(readlink -f "$1")
root=${2:-/tmp/importer-clean-host}
suite=${DEBIAN_SUITE:-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ ! -x "$root/usr/bin/dpkg" ]; then
    echo "== debootstrap $suite (minbase + libsqlite3-0) into $root"
    debootstrap --variant=minbase --include=libsqlite3-0 "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 \
        || { tail -20 "$root.debootstrap.log" >&2; exit 1; }
fi
if chroot "$root" sh -c 'command -v swift || command -v python3 || command -v cc || command -v curl'; then
    echo "clean-host: the root filesystem is not minimal (above)" >&2
    exit 1
fi
echo "== packages: $(chroot "$root" dpkg-query -W -f '${Package}\n' | wc -l) (minbase + libsqlite3-0)"
cleanup() {
    umount "$root/proc" 2>/dev/null || true
    rm -rf "$root/importer" "$root/work"
}
trap cleanup EXIT
mount -t proc proc "$root/proc"
cp "$binary" "$root/importer"
mkdir -p "$root/work"
echo "libraries: $(chroot "$root" /usr/bin/ldd /importer 2>/dev/null | awk '{print $1}' | tr '\n' ' ' || echo '(no ldd)')"
"$(dirname "$0")/release-smoke.sh" "$root/work" /work chroot "$root" /importer
echo "clean-host: ok"
