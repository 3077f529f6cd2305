#!/usr/bin/env bash
# The self-contained release (issue 20): a release build with the Swift standard library and
# Foundation linked in (--static-swift-stdlib), stripped, stamped with the git commit, packed as
# dist/importer-<version>-linux-<arch>.tar.gz (the binary, config.example.json, importer.service,
# INSTALL) with its SHA-256 next to it. It fails if the binary still needs a library from the
# Swift toolchain. SQLite is Debian's libsqlite3-0 (docs/deploy.md says why).
# Usage: scripts/release.sh   (prints the tarball's path, the binary's size and what it links)
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/Common/AppVersion.swift)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-modified"; fi
arch=$(uname -m)
name="importer-$version-linux-$arch"
stamp=Sources/Common/BuildStamp.swift
scratch=.build/release-static

# The commit goes into this build only: the stamp file is put back however the build ends.
cp "$stamp" "$stamp.release-backup"
trap 'mv -f "$stamp.release-backup" "$stamp"' EXIT
sed -i "s/static let commit = \".*\"/static let commit = \"$commit\"/" "$stamp"
swift build -c release --static-swift-stdlib --product importer --scratch-path "$scratch" >&2

rm -rf "dist/$name" "dist/$name.tar.gz" "dist/$name.tar.gz.sha256"
mkdir -p "dist/$name"
cp "$scratch/release/importer" "dist/$name/importer"
strip "dist/$name/importer"
if ldd "dist/$name/importer" | grep -E "swift|Foundation|dispatch|BlocksRuntime|icu" >&2; then
    echo "release: the binary still links a toolchain library (above)" >&2
    exit 1
fi
cp config.example.json deploy/importer.service "dist/$name/"
cp deploy/INSTALL "dist/$name/INSTALL"
tar -C dist -czf "dist/$name.tar.gz" "$name"
(cd dist && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "dist/$name.tar.gz"
echo "binary: $(stat -c %s "dist/$name/importer") bytes stripped; $("dist/$name/importer" --version)" >&2
echo "links: $(ldd "dist/$name/importer" | awk '{print $1}' | tr '\n' ' ')" >&2
