#!/usr/bin/env bash
# Project-local PostgreSQL + PostGIS cluster for development and tests.
#
# Usage: scripts/local_postgres.sh start|stop|status|destroy
#
#   start    initdb (once), start on 127.0.0.1:${HARTIS_PG_PORT:-54329}, create db 'hartis'
#   stop     stop the cluster if it is running
#   status   pg_ctl status (exit 0 running, 3 stopped)
#   destroy  stop, then delete the cluster's files (.var, and the /var/tmp fallback dir)
#
# The cluster's superuser is 'hartis' with trust auth over TCP on 127.0.0.1 only,
# so the app connects with postgres://hartis@127.0.0.1:54329/hartis and Django's
# test runner can create test_hartis and CREATE EXTENSION postgis.
# When DATABASE_URL is set, 'start' and 'status' do nothing: that database is used.
# Never touches /etc or the system cluster (which may already run on 5432).
#
# Layout: .var/pgdata (data), .var/run (unix socket), .var/postgres.log (log).
# The server runs as the 'postgres' user when we are root (initdb/postgres refuse
# root). If 'postgres' cannot reach the checkout (e.g. it lives under /root, mode
# 700), data, socket and log go to /var/tmp/hartis-pg-<hash of repo path>/ and
# .var/pgdata is a symlink to the data dir there.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
VAR="$REPO/.var"
PORT="${HARTIS_PG_PORT:-54329}"
DB=hartis
DBUSER=hartis
FALLBACK_BASE="/var/tmp/hartis-pg-$(printf '%s' "$REPO" | sha256sum | cut -c1-12)"

cmd="${1:-}"
case "$cmd" in
    start | stop | status | destroy) ;;
    *)
        echo "usage: $0 start|stop|status|destroy" >&2
        exit 2
        ;;
esac

if [ -n "${DATABASE_URL:-}" ] && { [ "$cmd" = start ] || [ "$cmd" = status ]; }; then
    echo "==> DATABASE_URL is set; not using the project-local PostgreSQL cluster"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    IS_ROOT=1
    PG_OWNER=postgres
else
    IS_ROOT=0
    PG_OWNER="$(id -un)"
fi

# Run a command as the cluster owner, from / (the checkout may be unreadable to it).
as_pg() {
    if [ "$IS_ROOT" -eq 1 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Sets DATA, BASE (dir holding log and socket dir), LOG, SOCK from what exists.
layout_existing() {
    if [ -L "$VAR/pgdata" ]; then
        DATA="$(readlink "$VAR/pgdata")"
        BASE="$(dirname "$DATA")"
    else
        DATA="$VAR/pgdata"
        BASE="$VAR"
    fi
    LOG="$BASE/postgres.log"
    SOCK="$BASE/run"
}

# Sets PG_V and BIN: the data dir's version if initialised, else the highest installed.
pick_binaries() {
    if [ -f "$DATA/PG_VERSION" ]; then
        PG_V="$(cat "$DATA/PG_VERSION")"
    else
        PG_V="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null |
            awk -F/ '{print $5}' | sort -n | tail -n 1)"
    fi
    BIN="/usr/lib/postgresql/${PG_V:-?}/bin"
    if [ -z "$PG_V" ] || [ ! -x "$BIN/pg_ctl" ]; then
        if [ -f "$DATA/PG_VERSION" ]; then
            echo "local_postgres.sh: $DATA was created by PostgreSQL $PG_V, whose binaries are" \
                "not installed; 'make clean' recreates the cluster" >&2
        else
            echo "local_postgres.sh: no PostgreSQL server installed; run scripts/bootstrap.sh" >&2
        fi
        exit 1
    fi
}

is_running() {
    [ -f "$DATA/PG_VERSION" ] && as_pg "$BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

do_stop() {
    layout_existing
    if [ ! -f "$DATA/PG_VERSION" ]; then
        echo "==> local PostgreSQL: no cluster in $DATA"
        return 0
    fi
    pick_binaries
    if is_running; then
        echo "==> stopping local PostgreSQL ($DATA)"
        as_pg "$BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null
    else
        echo "==> local PostgreSQL is not running"
    fi
}

do_status() {
    layout_existing
    if [ ! -f "$DATA/PG_VERSION" ]; then
        echo "local PostgreSQL: not initialised ($DATA)"
        return 3
    fi
    pick_binaries
    local rc=0
    as_pg "$BIN/pg_ctl" status -D "$DATA" || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "URL: postgres://$DBUSER@127.0.0.1:$PORT/$DB (port as configured for this shell)"
    fi
    return "$rc"
}

do_destroy() {
    do_stop
    layout_existing
    if [ -L "$VAR/pgdata" ]; then
        case "$BASE" in
            /var/tmp/hartis-pg-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f])
                echo "==> removing $BASE"
                rm -rf -- "$BASE"
                ;;
            *) echo "==> not removing unexpected symlink target $DATA" ;;
        esac
    fi
    echo "==> removing $VAR"
    rm -rf -- "$VAR"
}

own_pg() {
    if [ "$IS_ROOT" -eq 1 ]; then chown postgres:postgres -- "$@"; fi
}

# mkdir (if missing) owned by the cluster owner, mode 700.
mkdir_pg() {
    if [ ! -d "$1" ]; then
        mkdir -p -- "$1"
        own_pg "$1"
        chmod 700 -- "$1"
    fi
}

do_start() {
    local t0=$SECONDS
    if [ "$IS_ROOT" -eq 1 ] && ! id postgres >/dev/null 2>&1; then
        echo "local_postgres.sh: no 'postgres' system user; run scripts/bootstrap.sh first" >&2
        exit 1
    fi
    mkdir -p -- "$VAR"

    # Where do the files go? In the checkout, unless 'postgres' cannot reach it.
    local fallback=0
    if [ "$IS_ROOT" -eq 1 ]; then
        if [ -L "$VAR/pgdata" ] || ! as_pg test -x "$VAR"; then fallback=1; fi
    fi
    if [ "$fallback" -eq 1 ]; then
        BASE="$FALLBACK_BASE"
        DATA="$BASE/pgdata"
        echo "==> the 'postgres' user cannot reach $REPO (a parent directory is not" \
            "traversable), so the cluster lives in $BASE (.var/pgdata links there)"
        mkdir_pg "$BASE"
        if [ -d "$VAR/pgdata" ] && [ ! -L "$VAR/pgdata" ]; then
            if [ -n "$(ls -A -- "$VAR/pgdata")" ]; then
                echo "local_postgres.sh: $VAR/pgdata holds a cluster that 'postgres' cannot" \
                    "reach here; move the checkout back or 'make clean'" >&2
                exit 1
            fi
            rmdir -- "$VAR/pgdata"
        fi
        if [ "$(readlink "$VAR/pgdata" 2>/dev/null || true)" != "$DATA" ]; then
            rm -f -- "$VAR/pgdata"
            ln -s -- "$DATA" "$VAR/pgdata"
        fi
    else
        BASE="$VAR"
        DATA="$VAR/pgdata"
    fi
    LOG="$BASE/postgres.log"
    SOCK="$BASE/run"
    mkdir_pg "$DATA"
    if [ ! -e "$LOG" ]; then
        touch -- "$LOG"
        own_pg "$LOG"
    fi
    # Unix socket paths are limited to ~107 bytes; stay well below, else TCP only.
    local sockdirs="" sockpath="$SOCK/.s.PGSQL.$PORT"
    if [ "${#sockpath}" -lt 90 ]; then
        mkdir_pg "$SOCK"
        sockdirs="$SOCK"
    fi
    pick_binaries

    if [ ! -f "$DATA/PG_VERSION" ]; then
        if [ -n "$(ls -A -- "$DATA")" ]; then
            echo "local_postgres.sh: $DATA is not empty but has no cluster; remove it" \
                "(make clean) and retry" >&2
            exit 1
        fi
        local locale=C
        if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then locale=C.UTF-8; fi
        echo "==> initdb PostgreSQL $PG_V cluster in $DATA (owner $PG_OWNER, locale $locale)"
        as_pg env LC_ALL="$locale" "$BIN/initdb" -D "$DATA" -U "$DBUSER" --auth=trust \
            -E UTF8 --locale="$locale" >"$BASE/initdb.log.tmp" 2>&1 || {
            cat "$BASE/initdb.log.tmp" >&2
            rm -f -- "$BASE/initdb.log.tmp"
            exit 1
        }
        rm -f -- "$BASE/initdb.log.tmp"
    fi

    # Our settings live in hartis.conf (included from postgresql.conf); rewritten
    # only when they change, e.g. a different HARTIS_PG_PORT (then we restart).
    local conf="$DATA/postgresql.conf" hconf="$DATA/hartis.conf" wanted changed=0
    if ! grep -qx "include_if_exists = 'hartis.conf'" "$conf"; then
        printf '\n# Hartis: project-local settings\ninclude_if_exists = '"'hartis.conf'"'\n' >>"$conf"
    fi
    wanted="# Written by scripts/local_postgres.sh on start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '${sockdirs//\'/\'\'}'"
    if [ ! -f "$hconf" ] || [ "$(cat "$hconf")" != "$wanted" ]; then
        printf '%s\n' "$wanted" >"$hconf"
        own_pg "$hconf"
        changed=1
    fi

    if is_running; then
        if [ "$changed" -eq 1 ]; then
            echo "==> settings changed (port $PORT); restarting local PostgreSQL"
            as_pg "$BIN/pg_ctl" restart -D "$DATA" -m fast -w -t 60 -l "$LOG" >/dev/null || {
                tail -n 20 "$LOG" >&2
                exit 1
            }
        else
            echo "==> local PostgreSQL already running ($DATA)"
        fi
    else
        # Something else (another checkout's cluster?) on our port: say so clearly.
        local rc=0
        "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 3 || rc=$?
        if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then
            local other
            other="$("$BIN/psql" -X -h 127.0.0.1 -p "$PORT" -U "$DBUSER" -d postgres -tAc \
                'SHOW data_directory' 2>/dev/null || true)"
            echo "local_postgres.sh: 127.0.0.1:$PORT is already used by another PostgreSQL" \
                "server${other:+ (data dir $other)}; stop it ('make db-stop' in its checkout)" \
                "or choose another port with HARTIS_PG_PORT" >&2
            exit 1
        fi
        echo "==> starting local PostgreSQL $PG_V on 127.0.0.1:$PORT (log: $LOG)"
        as_pg "$BIN/pg_ctl" start -D "$DATA" -w -t 60 -l "$LOG" >/dev/null || {
            echo "local_postgres.sh: pg_ctl start failed; last lines of $LOG:" >&2
            tail -n 20 "$LOG" >&2
            exit 1
        }
    fi

    local i
    for i in $(seq 1 30); do
        if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2; then break; fi
        if [ "$i" -eq 30 ]; then
            echo "local_postgres.sh: server not ready after 30s; see $LOG" >&2
            exit 1
        fi
        sleep 1
    done

    local psql=("$BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U "$DBUSER")
    if [ "$("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'")" != 1 ]; then
        echo "==> creating database $DB"
        "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$DBUSER" -O "$DBUSER" "$DB"
    fi
    echo "    ready: postgres://$DBUSER@127.0.0.1:$PORT/$DB ($((SECONDS - t0))s)"
}

case "$cmd" in
    start) do_start ;;
    stop) do_stop ;;
    status) do_status ;;
    destroy) do_destroy ;;
esac
