#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the storage tests (Debian's postgresql package).
#
#   tools/pg_cluster.sh start DIR   create the cluster in DIR (first time) and start it on 127.0.0.1
#                                   at a free port, with database needsmap_test; prints the version
#   tools/pg_cluster.sh url DIR     print its SQLAlchemy URL (for NEEDSMAP_TEST_DATABASE_URL)
#   tools/pg_cluster.sh version DIR print the running server's version (e.g. 15.18 (Debian …))
#   tools/pg_cluster.sh stop DIR    stop it (DIR is left for the caller to delete)
#
# The server never runs as root: run as root, initdb and pg_ctl run as the `postgres` system user
# (made by the Debian package) and DIR is handed to it; otherwise as the current user. Anyone on
# this machine can connect without a password (trust, 127.0.0.1 and a socket in DIR only), and
# fsync is off: for tests, never for data that matters.
set -euo pipefail

USER_NAME=needsmap
DB_NAME=needsmap_test
FALLBACK_PORT=54329

die() { echo "pg_cluster.sh: $*" >&2; exit 1; }

usage() { die "usage: tools/pg_cluster.sh start|stop|url|version DIR"; }

[ $# -eq 2 ] || usage
cmd=$1
dir=$2
[ "$cmd" != start ] || mkdir -p "$dir"
[ ! -d "$dir" ] || dir=$(cd "$dir" && pwd)  # absolute: initdb and pg_ctl run from /
data="$dir/data"
portfile="$dir/port"
logfile="$dir/postgresql.log"

# the newest installed server's binaries: /usr/lib/postgresql/<version>/bin
bindir() {
    local newest
    newest=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_ctl' 2>/dev/null \
        | sort -V | tail -n 1)
    [ -n "$newest" ] || die "no PostgreSQL server found under /usr/lib/postgresql: install Debian's \
postgresql package (apt-get install postgresql)"
    dirname "$newest"
}

# run "$@" as the cluster's owner: the postgres system user when we are root, else ourselves
as_owner() {
    if [ "$(id -u)" -ne 0 ]; then
        "$@"
    elif command -v runuser >/dev/null; then
        runuser -u postgres -- "$@"
    elif command -v setpriv >/dev/null; then
        setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
    else
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
    local port=""
    if command -v python3 >/dev/null; then
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    fi
    if [ -z "$port" ]; then
        port=$FALLBACK_PORT
        while port_in_use "$port"; do
            port=$((port + 1))
            [ "$port" -lt $((FALLBACK_PORT + 50)) ] || die "no free port in $FALLBACK_PORT-$port"
        done
    fi
    echo "$port"
}

running() { [ -f "$data/PG_VERSION" ] && as_owner "$(bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1; }

url() {
    [ -f "$portfile" ] || die "no cluster started in $dir: run tools/pg_cluster.sh start $dir"
    echo "postgresql+psycopg://$USER_NAME@127.0.0.1:$(cat "$portfile")/$DB_NAME"
}

start() {
    local bin port
    bin=$(bindir)
    "$bin/postgres" --version
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "no postgres system user: install Debian's postgresql package"
        chown postgres:postgres "$dir"
        as_owner test -w "$dir" 2>/dev/null \
            || die "the postgres user cannot write $dir: use a folder it can reach (e.g. mktemp -d)"
    fi
    if running; then
        echo "already running: $(url)"
        return
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        (cd / && as_owner "$bin/initdb" -D "$data" -A trust -U "$USER_NAME" --encoding=UTF8 \
            --no-locale >"$dir/initdb.log" 2>&1) \
            || { cat "$dir/initdb.log" >&2; die "initdb failed (log above)"; }
        cat >>"$data/postgresql.conf" <<EOF

# tools/pg_cluster.sh: a throwaway test server
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    fi
    port=$(free_port)
    (cd / && as_owner "$bin/pg_ctl" -D "$data" -l "$logfile" -o "-p $port" -w -t 60 start >/dev/null) \
        || { tail -n 20 "$logfile" >&2 || true; die "the server did not start (log: $logfile)"; }
    echo "$port" >"$portfile"
    "$bin/psql" -h 127.0.0.1 -p "$port" -U "$USER_NAME" -d postgres -v ON_ERROR_STOP=1 -qtAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 \
        || "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$USER_NAME" "$DB_NAME"
    echo "started: $(url) (log: $logfile)"
}

version() {
    url >/dev/null
    "$(bindir)/psql" -h 127.0.0.1 -p "$(cat "$portfile")" -U "$USER_NAME" -d "$DB_NAME" -qtAc \
        "SHOW server_version"
}

stop() {
    if running; then
        (cd / && as_owner "$(bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null)
        echo "stopped the cluster in $dir"
    else
        echo "no cluster running in $dir"
    fi
}

case $cmd in
    start) start ;;
    stop) stop ;;
    url) url ;;
    version) version ;;
    *) usage ;;
esac
