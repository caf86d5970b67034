#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server.
#
#   scripts/with-postgres.sh uv run pytest -m "not browser"
#
# Starts a private PostgreSQL (initdb into a temporary directory, listening only on 127.0.0.1 at
# a free high port, trust authentication for local connections), creates the `casework`
# database, exports DATABASE_URL for the command, and always stops the server and removes the
# directory afterwards, whatever the command's outcome. The command's exit status is returned.
#
# Works as an ordinary user or as root: PostgreSQL refuses to run as root, so when we are root
# the server runs as the `postgres` OS user (as on Debian after `apt-get install postgresql`).
#
# Environment:
#   PG_BIN       directory holding initdb/pg_ctl (default: newest /usr/lib/postgresql/*/bin,
#                or whatever is on PATH)
#   PG_DATABASE  database name (default: casework)
#   PG_REPLICA   1: also start a streaming replica of it (pg_basebackup -R, hot standby) on another
#                free port and export DATABASE_REPLICA_URL (what `make test-postgres` does)
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 64
fi

find_pg_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then
        echo "$PG_BIN"
        return
    fi
    local candidate
    # Prefer 15 (what CI pins), then the newest installed major version.
    for candidate in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
            echo "$candidate"
            return
        fi
    done
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

PG_BIN="$(find_pg_bin)"
if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" || ! -x "$PG_BIN/pg_ctl" ]]; then
    cat >&2 <<'EOF'
with-postgres: PostgreSQL server binaries (initdb, pg_ctl) were not found.
  Looked in $PG_BIN, /usr/lib/postgresql/*/bin and PATH.
  On Debian/Ubuntu install them with:  apt-get install -y postgresql
  (or set PG_BIN to the directory that holds initdb and pg_ctl).
EOF
    exit 69
fi

PG_DATABASE="${PG_DATABASE:-casework}"

# As root, hand the server to the `postgres` user; otherwise run it as ourselves.
RUN_AS=()
if [[ "$(id -u)" -eq 0 ]]; then
    if ! id postgres >/dev/null 2>&1; then
        echo "with-postgres: running as root but there is no 'postgres' OS user to run the server." >&2
        echo "  Install the postgresql package (it creates the user) or run as an ordinary user." >&2
        exit 69
    fi
    RUN_AS=(runuser -u postgres --)
fi

# A free TCP port on 127.0.0.1, chosen by the kernel. There is a small race between closing the
# probe socket and the server binding; pg_ctl fails clearly if it is lost, and we retry.
free_port() {
    python3 - <<'EOF'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
EOF
}

PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/casework-pg.XXXXXX")"

cleanup() {
    local status=$?
    if [[ -f "$PG_DIR/replica/postmaster.pid" ]]; then
        "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/replica" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    # postmaster.pid rather than a flag: a signal can arrive while `pg_ctl start` is still running.
    if [[ -f "$PG_DIR/data/postmaster.pid" ]]; then
        "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

chmod 700 "$PG_DIR"
if [[ "${#RUN_AS[@]}" -gt 0 ]]; then
    chown postgres: "$PG_DIR"
    if ! "${RUN_AS[@]}" test -w "$PG_DIR"; then
        echo "with-postgres: the postgres user cannot reach $PG_DIR; set TMPDIR to a directory it can (e.g. /tmp)." >&2
        exit 1
    fi
fi

"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U casework --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$PG_DIR/initdb.log" 2>&1 || {
    echo "with-postgres: initdb failed:" >&2
    cat "$PG_DIR/initdb.log" >&2
    exit 1
}

# start_server DATA_DIR LOG OPTIONS: start a server there on a free port (three tries); prints the port.
start_server() {
    local dir="$1" log="$2" options="$3" port attempt
    for attempt in 1 2 3; do
        port="$(free_port)"
        if "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$dir" -l "$log" -w -t 60 \
            -o "-h 127.0.0.1 -p $port -k $PG_DIR $options" start >/dev/null; then
            echo "$port"
            return 0
        fi
        echo "with-postgres: server in $dir did not start on port $port (attempt $attempt)" >&2
    done
    echo "with-postgres: could not start PostgreSQL; its log follows:" >&2
    cat "$log" >&2 || true
    return 1
}

# Durability is pointless for a throwaway test server; turning it off makes the suite faster.
PG_PORT="$(start_server "$PG_DIR/data" "$PG_DIR/server.log" "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")"

"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U casework "$PG_DATABASE"

export DATABASE_URL="postgres://casework@127.0.0.1:$PG_PORT/$PG_DATABASE"
echo "with-postgres: PostgreSQL $("$PG_BIN/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (data in $PG_DIR)" >&2

# A streaming replica: a base backup of the running server (-R writes the standby settings and its
# connection to the primary), started as a hot standby that takes reads.
if [[ "${PG_REPLICA:-0}" == "1" ]]; then
    "${RUN_AS[@]}" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U casework -D "$PG_DIR/replica" -R -X stream -c fast \
        >"$PG_DIR/basebackup.log" 2>&1 || {
        echo "with-postgres: pg_basebackup failed:" >&2
        cat "$PG_DIR/basebackup.log" >&2
        exit 1
    }
    PG_REPLICA_PORT="$(start_server "$PG_DIR/replica" "$PG_DIR/replica.log" "-c fsync=off -c hot_standby=on")"
    export DATABASE_REPLICA_URL="postgres://casework@127.0.0.1:$PG_REPLICA_PORT/$PG_DATABASE"
    echo "with-postgres: streaming replica on 127.0.0.1:$PG_REPLICA_PORT" >&2
fi

# Not `exec`: the EXIT trap must still run to stop the server. The command runs in the
# background and we wait for it, so a TERM/INT sent to this script is handled at once: it is
# passed on to the command, and the server is stopped when the command has gone.
"$@" &
child=$!
forward() {
    kill -"$1" "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
    exit "$2"
}
trap 'forward INT 130' INT
trap 'forward TERM 143' TERM
set +e
wait "$child"
status=$?
set -e
exit "$status"
