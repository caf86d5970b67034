#!/usr/bin/env bash
# Restore drill: back up, destroy, restore, and prove the restored audit trail against the signed
# checkpoints exported before the backup (docs/operations.md, "Backups and the restore drill").
#
#   scripts/restore-drill.sh                # both: PostgreSQL (throwaway server) and SQLite
#   scripts/restore-drill.sh postgresql     # PostgreSQL only (uses DATABASE_URL if set)
#   scripts/restore-drill.sh sqlite         # SQLite only
#
# PostgreSQL: pg_dump -Fc, DROP the database, CREATE it empty, pg_restore, then
# `casework audit verify --checkpoints EXPORT`. SQLite: an online copy with SQLite's backup API,
# the original removed, the copy put in its place, PRAGMA integrity_check, then the same verify.
#
# Environment:
#   DATABASE_URL       a PostgreSQL database to drill on; it is DROPPED and restored. Without it a
#                      throwaway server is started with scripts/with-postgres.sh.
#   CASEWORK_VAR_DIR   the installation's var dir (signing key, checkpoints, SQLite file); default:
#                      a new temporary one, with demo data loaded.
#   DRILL_CASES        demo cases to load when the database is empty (default 20).
#   DRILL_REPORT       if set, a JSON summary of each drill is appended to this file (one line each).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
export UV_PYTHON_DOWNLOADS=never
WHICH="${1:-both}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[[ -x "$PYTHON" ]] || PYTHON="uv run python"

say() { echo "restore-drill: $*"; }
casework() { $PYTHON -m casework.cli "$@"; }

if [[ "$WHICH" == "both" ]]; then
    "$0" sqlite
    if [[ -n "${DATABASE_URL:-}" ]]; then "$0" postgresql; else "$HERE/with-postgres.sh" "$0" postgresql; fi
    exit 0
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/casework-drill.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
if [[ -z "${CASEWORK_VAR_DIR:-}" ]]; then
    export CASEWORK_VAR_DIR="$WORK/var"
fi
mkdir -p "$CASEWORK_VAR_DIR"
export DEBUG=0 SECURE_HTTPS=0 LOG_LEVEL=ERROR
export SECRET_KEY="${SECRET_KEY:-restore-drill-$(python3 -c 'import secrets; print(secrets.token_urlsafe(40))')}"
started=$SECONDS

verify_json() {  # prints the verify report; a broken chain (exit 1) is still a report
    casework audit verify --json "$@" || [[ $? -eq 1 ]]
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

prepare() {
    say "1. migrate and load demo data (no-ops if already there)"
    casework migrate -v0
    casework load_demo --cases "${DRILL_CASES:-20}" --seed 2026 -v0 >/dev/null
    say "2. sign a checkpoint and export the trail with its checkpoints (kept outside the database)"
    casework audit checkpoint
    casework audit export --out "$WORK/export" --justification "Restore drill" --recipient "Restore drill" >/dev/null
    BEFORE="$(verify_json)"
    BEFORE_EVENTS="$(field "['events_checked']" <<<"$BEFORE")"
    say "   source: $BEFORE_EVENTS events, intact=$(field "['intact']" <<<"$BEFORE")"
}

check_restored() {
    say "5. verify the restored trail against the exported checkpoints"
    AFTER="$(verify_json --checkpoints "$WORK/export")"
    local intact events checkpoints
    intact="$(field "['intact']" <<<"$AFTER")"
    events="$(field "['events_checked']" <<<"$AFTER")"
    checkpoints="$(field "['checkpoints'].__len__()" <<<"$AFTER")"
    say "   restored: $events events, $checkpoints checkpoint check(s), intact=$intact"
    local standalone=ok
    python3 "$ROOT/src/casework/audit/standalone_verify.py" "$WORK/export" >/dev/null || standalone=failed
    say "   standalone verifier on the export: $standalone"
    local ok=true
    [[ "$intact" == "True" && "$events" == "$BEFORE_EVENTS" && "$checkpoints" -ge 1 && "$standalone" == ok ]] || ok=false
    if [[ -n "${DRILL_REPORT:-}" ]]; then
        python3 -c 'import json,sys; print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]))))' \
            backend "$1" ok "$ok" intact "$intact" events_before "$BEFORE_EVENTS" events_after "$events" \
            checkpoint_checks "$checkpoints" standalone "$standalone" extra "${2:-}" \
            seconds "$((SECONDS - started))" >>"$DRILL_REPORT"
    fi
    if [[ "$ok" != true ]]; then
        say "FAIL ($1): the restored database does not match the exported checkpoints"
        echo "$AFTER" >&2
        exit 1
    fi
    say "PASS ($1) in $((SECONDS - started))s"
}

if [[ "$WHICH" == "postgresql" ]]; then
    [[ -n "${DATABASE_URL:-}" ]] || { echo "restore-drill: postgresql needs DATABASE_URL (or run without arguments)" >&2; exit 64; }
    prepare
    DB="${DATABASE_URL##*/}"
    ADMIN_URL="${DATABASE_URL%/*}/postgres"
    say "3. back up: pg_dump -Fc"
    pg_dump -Fc --no-owner -f "$WORK/casework.dump" "$DATABASE_URL"
    say "   dump: $(du -h "$WORK/casework.dump" | cut -f1)"
    say "4. destroy and restore: DROP DATABASE, CREATE DATABASE, pg_restore"
    psql -q -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "DROP DATABASE \"$DB\"" -c "CREATE DATABASE \"$DB\""
    pg_restore --exit-on-error --no-owner -d "$DATABASE_URL" "$WORK/casework.dump"
    check_restored postgresql "dump=pg_dump -Fc"
elif [[ "$WHICH" == "sqlite" ]]; then
    unset DATABASE_URL
    prepare
    DB_FILE="$CASEWORK_VAR_DIR/casework.sqlite3"
    say "3. back up: SQLite online backup API (safe while the service runs)"
    python3 - "$DB_FILE" "$WORK/backup.sqlite3" <<'EOF'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
print("restore-drill:    backup integrity:", target.execute("PRAGMA integrity_check").fetchone()[0])
EOF
    say "4. destroy and restore: remove the database file (and its WAL), copy the backup in"
    rm -f "$DB_FILE" "$DB_FILE-wal" "$DB_FILE-shm"
    cp "$WORK/backup.sqlite3" "$DB_FILE"
    integrity="$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$DB_FILE")"
    say "   restored file integrity_check: $integrity"
    [[ "$integrity" == ok ]] || { say "FAIL (sqlite): integrity_check says $integrity"; exit 1; }
    check_restored sqlite "integrity_check=$integrity"
else
    echo "usage: $0 [both|postgresql|sqlite]" >&2
    exit 64
fi
