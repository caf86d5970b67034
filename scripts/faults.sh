#!/usr/bin/env bash
# Fault drills (issue #9): kill -9 during an import, PostgreSQL restarted under load, disk full
# under SQLite, concurrent edits of one case, and the backup/restore drill, on SQLite and on a
# throwaway PostgreSQL server. Prints PASS/FAIL per scenario with its evidence, writes
# test-artifacts/faults/{sqlite,postgresql,report}.json and exits non-zero on any failure.
#
#   scripts/faults.sh                 # everything: the two phases run side by side
#   scripts/faults.sh sqlite          # one phase
#   FAULTS_ONLY=disk-full-sqlite scripts/faults.sh sqlite
#   FAULTS_SERIAL=1 scripts/faults.sh # one phase after the other, output as it happens
#
# Sizes: FAULTS_IMPORT_CASES (1500), FAULTS_IMPORT_BATCH (150), FAULTS_RACE_ROUNDS (20),
# FAULTS_DEMO_CASES (30). Every phase is bounded by FAULTS_PHASE_TIMEOUT seconds (780), so the
# whole run ends within 15 minutes.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export UV_PYTHON_DOWNLOADS=never
OUT="${FAULTS_OUT:-$ROOT/test-artifacts/faults}"
LIMIT="${FAULTS_PHASE_TIMEOUT:-780}"
PHASES=("${@:-sqlite postgresql}")
read -r -a PHASES <<<"${PHASES[*]}"
mkdir -p "$OUT"
rm -f "$OUT"/{sqlite,postgresql,report}.json "$OUT"/{sqlite,postgresql}.log

PYTHON="$ROOT/.venv/bin/python"
[[ -x "$PYTHON" ]] || { echo "faults: $PYTHON not found; run make setup" >&2; exit 1; }

run_phase() {
    local phase=$1 status
    echo "== faults: $phase phase =="
    if [[ "$phase" == postgresql ]]; then
        timeout --kill-after=30 "$LIMIT" scripts/with-postgres.sh \
            "$PYTHON" -m faults.driver postgresql --out "$OUT" --only "${FAULTS_ONLY:-}"
    else
        env -u DATABASE_URL timeout --kill-after=30 "$LIMIT" \
            "$PYTHON" -m faults.driver "$phase" --out "$OUT" --only "${FAULTS_ONLY:-}"
    fi
    status=$?
    if [[ $status -eq 124 || $status -eq 137 ]]; then
        echo "FAIL faults: $phase phase exceeded ${LIMIT}s"
    elif [[ $status -ne 0 ]]; then
        echo "FAIL faults: $phase phase exited with status $status"
    fi
    return "$status"
}

started=$SECONDS
failed_phases=()
if [[ -n "${FAULTS_SERIAL:-}" || ${#PHASES[@]} -eq 1 ]]; then
    for phase in "${PHASES[@]}"; do
        run_phase "$phase" || failed_phases+=("$phase")
    done
else
    # Two cores, two phases: side by side, each phase's output kept in its own log and shown after.
    declare -A pids
    for phase in "${PHASES[@]}"; do
        run_phase "$phase" >"$OUT/$phase.log" 2>&1 &
        pids[$phase]=$!
    done
    echo "faults: phases ${PHASES[*]} running side by side (logs: $OUT/<phase>.log)"
    for phase in "${PHASES[@]}"; do
        wait "${pids[$phase]}" || failed_phases+=("$phase")
        cat "$OUT/$phase.log"
    done
fi

echo "== faults: summary ($((SECONDS - started))s; load average: $(cut -d' ' -f1-3 /proc/loadavg)) =="
if [[ ${#PHASES[@]} -eq 2 ]]; then
    "$PYTHON" -m faults.driver merge --out "$OUT"
    merged=$?
    # A phase that crashed after writing its report must still fail the run.
    [[ $merged -eq 0 && ${#failed_phases[@]} -eq 0 ]] || { echo "faults: FAIL (${failed_phases[*]:-merge})"; exit 1; }
else
    "$PYTHON" - "$OUT/${PHASES[0]}.json" <<'PY'
import json, pathlib, sys
path = pathlib.Path(sys.argv[1])
report = json.loads(path.read_text()) if path.exists() else {"passed": False, "scenarios": []}
for s in report["scenarios"]:
    print(("PASS " if s["passed"] else "FAIL ") + f"{s['name']}[{s['backend']}]")
print(f"faults: {'PASS' if report['passed'] else 'FAIL'}; report: {path}")
sys.exit(0 if report["passed"] else 1)
PY
    [[ $? -eq 0 && ${#failed_phases[@]} -eq 0 ]] || exit 1
fi
