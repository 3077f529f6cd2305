#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks (DESIGN.md §14): `initdb -A trust` into a
# new temporary directory as the `postgres` user, started with `pg_ctl -w` on 127.0.0.1 and a free
# port, default settings otherwise.
#   scripts/pg-throwaway.sh start   → prints `DIR URL` (URL = postgres://postgres@127.0.0.1:PORT/postgres)
#   scripts/pg-throwaway.sh stop DIR → stops that server (by the pid in its postmaster.pid) and removes DIR
# Needs PostgreSQL's server binaries (Debian: postgresql) and, as root, the `postgres` user.
# PG_LISTEN (default 127.0.0.1) lists the addresses it listens on; PG_TRUST_CIDR, if set, lets
# clients from that network in without a password (the multi-host test's namespaces). With
# PG_DEFAULTS=1 every setting but the addresses keeps its default (benchmarks); otherwise
# max_connections is 200 (tests open a pool per schema).
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/initdb" ] || { echo "pg-throwaway: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
start)
    dir=$(mktemp -d /tmp/importer-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_postgres "$bindir/initdb" -A trust -U postgres -D "$dir/data" >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    extra=" -c max_connections=200"
    [ "${PG_DEFAULTS:-}" = 1 ] && extra=""
    [ -n "${PG_TRUST_CIDR:-}" ] && echo "host all all $PG_TRUST_CIDR trust" >>"$dir/data/pg_hba.conf"
    as_postgres "$bindir/pg_ctl" -w -D "$dir/data" -l "$dir/server.log" \
        -o "-c listen_addresses=${PG_LISTEN:-127.0.0.1} -c port=$port -c unix_socket_directories=$dir$extra" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    echo "$dir postgres://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    dir=${2:?usage: pg-throwaway.sh stop DIR}
    if [ -f "$dir/data/postmaster.pid" ]; then
        pid=$(head -1 "$dir/data/postmaster.pid")
        kill -INT "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: scripts/pg-throwaway.sh start | stop DIR" >&2
    exit 2
    ;;
esac
