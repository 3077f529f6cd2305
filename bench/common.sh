# What the bench scripts share; sourced from the repository's root (they cd there first).

# Installs the Debian packages of the commands named that are missing.
need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
    done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Sets `bin`: $BENCH_BINARY (another build to compare, e.g. an earlier commit's), else a fresh
# release build of this checkout.
importer_binary() {
    if [ -n "${BENCH_BINARY:-}" ]; then
        bin=$BENCH_BINARY
    else
        swift build -c release --product importer >/dev/null 2>&1
        bin=$PWD/.build/release/importer
    fi
}
