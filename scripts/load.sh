#!/usr/bin/env bash
# Load test: at least 50 signed-in users, by role, against gunicorn on a throwaway PostgreSQL.
#
#   scripts/load.sh                      # the default run: 60 users for 3 minutes on 5,000 cases
#   LOAD_DURATION=60 scripts/load.sh     # a shorter run
#
# Starts PostgreSQL (scripts/with-postgres.sh), migrates, loads the demo data, collects static
# files, starts `casework serve` (gunicorn) on a free port of 127.0.0.1 with production settings
# (DEBUG off, manifest static files) except plain http, runs locust headless
# (benchmarks/load/locustfile.py), and writes test-artifacts/load/{report.json,summary.txt} with
# throughput, p50/p95/p99 per page type and errors. Everything it started is stopped on exit.
#
# Exit status: 0 when the target is met (no 5xx, no unexpected responses, p95 under 300 ms for
# every list and detail page type); 1 when it is missed (the summary says which); other values
# when the setup failed.
#
# Environment (defaults in brackets):
#   LOAD_DURATION    seconds of steady load, measured after every user has signed in [180]
#   LOAD_USERS       concurrent users [60]         LOAD_SPAWN_RATE  users started per second [1]
#   LOAD_SETTLE      seconds between the last start and the steady state [10]
#   LOAD_WORKERS     gunicorn workers [4]
#   LOAD_CASES       demo cases [5000]             LOAD_SEED        demo seed [2026]
#   LOAD_WAIT_MIN/MAX  think time per user, seconds [2/5]
#   LOAD_OUT         report directory [test-artifacts/load]
#   LOAD_PYTHON      interpreter to run everything with [the project's uv environment]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export UV_PYTHON_DOWNLOADS=never

# Stage 1: start PostgreSQL and run stage 2 inside it (with-postgres stops it whatever happens).
if [[ "${LOAD_STAGE:-}" != "inside" ]]; then
    LOAD_STAGE=inside exec scripts/with-postgres.sh "$0" "$@"
fi

DURATION="${LOAD_DURATION:-180}"
USERS="${LOAD_USERS:-60}"
SPAWN_RATE="${LOAD_SPAWN_RATE:-1}"
export LOAD_SETTLE="${LOAD_SETTLE:-10}"
# Users sign in while they are started (one Argon2 check each, about 0.7 s of CPU here), so the run
# is the ramp-up, a settling pause, then DURATION seconds of steady state that the target applies to.
# The locust file stops the run DURATION seconds into the steady state; RUN_TIME is only a backstop
# for sign-ins that never finish.
RUN_TIME=$(( (USERS + SPAWN_RATE - 1) / SPAWN_RATE + LOAD_SETTLE + DURATION + 300 ))
WORKERS="${LOAD_WORKERS:-4}"
CASES="${LOAD_CASES:-5000}"
SEED="${LOAD_SEED:-2026}"
OUT="$(mkdir -p "${LOAD_OUT:-test-artifacts/load}" && cd "${LOAD_OUT:-test-artifacts/load}" && pwd)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/casework-load.XXXXXX")"
SERVER_PID=""
SAMPLER_PID=""
CPU_WATCH_PID=""

cleanup() {
    local status=$?
    if [[ -n "$SAMPLER_PID" ]]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi
    if [[ -n "$CPU_WATCH_PID" ]]; then kill "$CPU_WATCH_PID" 2>/dev/null || true; fi
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true  # gunicorn: graceful stop of the master and workers
        for _ in $(seq 1 40); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }

# The interpreter of the project's environment: long-running processes are started with it
# directly, so the pid we hold is gunicorn's master (not a wrapper) and TERM reaches it.
PY="${LOAD_PYTHON:-$(uv run python -c 'import sys; print(sys.executable)')}"

# Production settings, except plain http on 127.0.0.1 (there is no TLS proxy in front).
export CASEWORK_VAR_DIR="$WORK/var"
export DEBUG=0 SECURE_HTTPS=0 ALLOWED_HOSTS=127.0.0.1 LOG_LEVEL=WARNING
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')"
export SECRET_KEY

if [[ ! -f src/casework/static/govuk/govuk-frontend.min.css ]]; then
    echo "load: GOV.UK Frontend assets are missing; run 'make assets' first." >&2
    exit 69
fi

rm -f "$OUT"/report.json "$OUT"/summary.txt "$OUT"/samples.jsonl "$OUT"/server.log "$OUT"/loadavg.txt \
    "$OUT"/cpu-*.json "$OUT"/locust*
started=$(date +%s)
step "migrate"
"$PY" -m casework.cli migrate -v0
step "load demo data: $CASES cases, seed $SEED"
"$PY" -m casework.cli load_demo --cases "$CASES" --seed "$SEED" -v0
"$PY" -m casework.cli collectstatic --noinput -v0
"$PY" benchmarks/load/accounts.py --out "$WORK/accounts.json"
setup_seconds=$(($(date +%s) - started))

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
step "serve on 127.0.0.1:$PORT with $WORKERS gunicorn workers"
# gunicorn's default access log line plus the time it spent on the request (%(M)s, milliseconds).
ACCESS_FORMAT='%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)s'
"$PY" -m casework.cli serve --bind "127.0.0.1:$PORT" --workers "$WORKERS" -- --access-logformat "$ACCESS_FORMAT" \
    >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/login/" 2>/dev/null; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "load: the server stopped while starting; its log follows." >&2
        cat "$OUT/server.log" >&2
        exit 1
    fi
    sleep 0.5
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/login/"
# Drop the readiness probes from the access log so it holds only the load's requests.
: >"$OUT/server.log"

( while sleep 5; do cat /proc/loadavg; done ) >"$OUT/loadavg.txt" &
SAMPLER_PID=$!
# CPU used by gunicorn and by PostgreSQL during the steady state: counters read when it begins
# (the locust file writes the mark) and when the run ends.
PG_PORT="${DATABASE_URL##*:}"
PG_PORT="${PG_PORT%%/*}"
DB_PID="$(pgrep -o -f -- "-p $PG_PORT -k" || true)"
cpu_counters() { "$PY" benchmarks/load/cpu.py "web=$SERVER_PID" "db=${DB_PID:-none}"; }
( while [[ ! -f "$WORK/steady" ]]; do sleep 0.5; done; cpu_counters >"$OUT/cpu-start.json" ) &
CPU_WATCH_PID=$!
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

step "load: $USERS users (started $SPAWN_RATE/s), then ${DURATION}s of steady state once all have signed in"
LOAD_ACCOUNTS="$WORK/accounts.json" LOAD_SAMPLES="$OUT/samples.jsonl" LOAD_DURATION="$DURATION" \
    LOAD_STEADY_MARK="$WORK/steady" \
    timeout --signal=TERM $((RUN_TIME + 120)) "$PY" -m locust \
    -f benchmarks/load/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
    --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "${RUN_TIME}s" --stop-timeout 10 \
    --csv "$OUT/locust" --only-summary --loglevel WARNING --exit-code-on-error 0 \
    >"$OUT/locust.log" 2>&1 || {
    echo "load: locust did not finish cleanly; its log follows." >&2
    cat "$OUT/locust.log" >&2
    exit 1
}
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
cpu_counters >"$OUT/cpu-end.json"
kill "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""

step "report"
set +e
"$PY" benchmarks/load/report.py --samples "$OUT/samples.jsonl" --out-dir "$OUT" \
    --users "$USERS" --server-log "$OUT/server.log" --loadavg "$OUT/loadavg.txt" \
    --cpu-start "$OUT/cpu-start.json" --cpu-end "$OUT/cpu-end.json" \
    --meta "database=PostgreSQL $(psql --version 2>/dev/null | awk '{print $3}') (throwaway, fsync off)" \
    "cases=$CASES (seed $SEED)" "gunicorn workers=$WORKERS (sync)" "cpus=$(nproc) (shared with other work)" \
    "load average before=$load_before" "load average after=$load_after" "setup seconds=$setup_seconds" \
    "think time=${LOAD_WAIT_MIN:-2}-${LOAD_WAIT_MAX:-5} s" "users started per second=$SPAWN_RATE"
status=$?
set -e
echo "Report: $OUT/summary.txt and $OUT/report.json"
exit "$status"
