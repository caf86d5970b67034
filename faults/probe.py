"""The Django side of the fault drills: run as `python -m faults.probe COMMAND ...` with the
scenario's environment (CASEWORK_VAR_DIR / DATABASE_URL); prints one JSON object on its last line.

Kept apart from the driver so every scenario reads its own database through the product's own
models, and the driver itself never holds a database connection that could hide a fault.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from casework.api.services import api_token_issue  # noqa: E402
from casework.audit.models import AuditEvent  # noqa: E402
from casework.cases.models import Case, Charge, Defendant, Hearing  # noqa: E402
from casework.cases.services import case_update  # noqa: E402
from casework.core.errors import EditConflict  # noqa: E402
from casework.imports.models import ImportRun  # noqa: E402
from casework.people.choices import UNIT_MANAGER_ROLES  # noqa: E402
from casework.people.models import User  # noqa: E402

CASE_SUBJECT = "cases.case"


def editor(username: str) -> Any:
    """`username`, or with "auto" a manager of the unit holding the most cases (demo data spreads
    cases over units, so which unit has most depends on its size)."""
    if username != "auto":
        return User.objects.get(username=username)
    busiest = Case.objects.values("unit_id").annotate(n=Count("pk")).order_by("-n", "unit_id").first()
    assert busiest is not None, "no cases to edit"
    for user in User.objects.filter(unit_id=busiest["unit_id"], is_active=True).order_by("pk"):
        if user.role_codes & UNIT_MANAGER_ROLES:
            return user
    raise LookupError(f"no active manager in unit {busiest['unit_id']}")


def _max_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    return int(last or 0)


def import_state(prefix: str) -> dict[str, Any]:
    """What an import left behind: record counts, duplicate natural keys, collect events, runs."""
    cases = Case.objects.filter(urn__startswith=prefix)
    case_ids = list(cases.values_list("pk", flat=True))
    urn_counts = Counter(cases.values_list("urn", flat=True))
    collects = AuditEvent.objects.filter(case_id__in=case_ids, action="collect")
    by_subject = Counter(collects.values_list("subject_type", flat=True))
    subjects = Counter(collects.values_list("subject_type", "subject_id"))
    defendants = Defendant.objects.filter(case_id__in=case_ids)
    defendant_keys = Counter(defendants.values_list("case_id", "first_names", "last_name", "date_of_birth"))
    return {
        "cases": len(case_ids),
        "distinct_urns": len(urn_counts),
        "duplicate_urns": sum(1 for n in urn_counts.values() if n > 1),
        "defendants": defendants.count(),
        "duplicate_defendants": sum(1 for n in defendant_keys.values() if n > 1),
        "charges": Charge.objects.filter(defendant__case_id__in=case_ids).count(),
        "hearings": Hearing.objects.filter(case_id__in=case_ids).count(),
        "collect_events": collects.count(),
        "collect_events_by_subject": dict(by_subject),
        "subjects_collected_twice": sum(1 for n in subjects.values() if n > 1),
        "runs": list(
            ImportRun.objects.order_by("pk").values(
                "pk", "status", "last_committed_group", "total_groups", "created_count"
            )
        ),
    }


def api_token(username: str, count: int) -> dict[str, Any]:
    """A bearer token for `username`, the cases it may edit, and the state before any load."""
    user = editor(username)
    issued = api_token_issue(actor=user, name="fault drill")
    cases = list(Case.objects.editable_by(user).order_by("pk").values("pk", "version")[:count])
    return {
        "token": issued.token,
        "cases": {str(c["pk"]): c["version"] for c in cases},
        "baseline_seq": _max_seq(),
    }


def writes_check(path: str) -> dict[str, Any]:
    """Every acknowledged write is present; every committed change has its audit event; refused
    writes left nothing. Input: {"baseline_seq", "cases": {id: version}, "acked": [[id, value]],
    "refused": [[id, value]]}."""
    spec = json.loads(Path(path).read_text())
    baseline = int(spec["baseline_seq"])
    events = AuditEvent.objects.filter(seq__gt=baseline, action="alter", subject_type=CASE_SUBJECT)
    after_values: dict[str, list[str]] = {}
    for event in events.order_by("seq"):
        change = event.changes_dict.get("summary")
        if change is not None:
            after_values.setdefault(event.subject_id, []).append(change[1])
    missing = [pair for pair in spec["acked"] if pair[1] not in after_values.get(str(pair[0]), [])]
    refused_present = [pair for pair in spec.get("refused", []) if pair[1] in after_values.get(str(pair[0]), [])]
    per_case = {}
    unaudited_versions = 0
    last_value_mismatch = 0
    for case_id, version0 in spec["cases"].items():
        case = Case.objects.get(pk=int(case_id))
        audited = len(after_values.get(case_id, []))
        bumped = case.version - int(version0)
        unaudited_versions += abs(bumped - audited)
        latest = after_values.get(case_id, [case.summary])[-1]
        last_value_mismatch += int(latest != case.summary)
        per_case[case_id] = {"version_bumps": bumped, "alter_events": audited}
    return {
        "acked": len(spec["acked"]),
        "acked_missing": len(missing),
        "missing_examples": missing[:5],
        "refused": len(spec.get("refused", [])),
        "refused_present": len(refused_present),
        "refused_present_examples": refused_present[:5],
        "version_bumps_without_event": unaudited_versions,
        "current_value_not_last_event": last_value_mismatch,
        "per_case": per_case,
    }


def race(username: str, rounds: int) -> dict[str, Any]:
    """Two writers, each on its own connection, load the same version and save at the same moment."""
    user = editor(username)
    case_id = Case.objects.editable_by(user).order_by("pk").values_list("pk", flat=True)[0]
    start_version = Case.objects.get(pk=case_id).version
    baseline = _max_seq()
    rounds_out = []
    for number in range(rounds):
        barrier = threading.Barrier(2)
        outcomes: list[str] = ["", ""]

        def edit(
            writer: int, number: int = number, barrier: threading.Barrier = barrier, outcomes: list[str] = outcomes
        ) -> None:
            try:
                case = Case.objects.get(pk=case_id)
                barrier.wait(timeout=60)
                case_update(
                    actor=user, case=case, expected_version=case.version, summary=f"race {number} writer {writer}"
                )
                outcomes[writer] = "won"
            except EditConflict:
                outcomes[writer] = "conflict"
            except Exception as error:  # reported, never hidden: any other outcome fails the round
                outcomes[writer] = f"error {type(error).__name__}: {error}"
            finally:
                connection.close()

        threads = [threading.Thread(target=edit, args=(writer,)) for writer in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        rounds_out.append(sorted(outcomes))
    return {
        "rounds": rounds,
        "one_winner_one_conflict": sum(1 for r in rounds_out if r == ["conflict", "won"]),
        "other_outcomes": [r for r in rounds_out if r != ["conflict", "won"]],
        **race_check(case_id, start_version, baseline),
    }


def race_check(case_id: int, start_version: int, baseline: int) -> dict[str, Any]:
    """After a race on one case: how far its version moved, its alter events since `baseline`, and
    whether the stored value is the last audited one."""
    case = Case.objects.get(pk=case_id)
    alters = AuditEvent.objects.filter(
        seq__gt=baseline, action="alter", subject_type=CASE_SUBJECT, subject_id=str(case_id)
    ).order_by("seq")
    last_event = alters.last()
    return {
        "case_id": case_id,
        "version_advance": case.version - start_version,
        "alter_events": alters.count(),
        "current_matches_last_event": bool(last_event) and last_event.changes_dict["summary"][1] == case.summary,  # type: ignore[union-attr]
    }


def _limit_pages(max_pages: int) -> None:
    """Fallback when no small filesystem can be mounted: SQLite refuses to grow past max_page_count
    with the same SQLITE_FULL error a full disk gives."""

    def limit(sender: Any, connection: Any, **kwargs: Any) -> None:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA max_page_count = {int(max_pages)}")

    connection_created.connect(limit, weak=False)


def fill(username: str, max_writes: int, size: int, max_pages: int, tag: str) -> dict[str, Any]:
    """Edit one case through the API with large summaries until a write is refused (or max_writes)."""
    if max_pages:
        _limit_pages(max_pages)
    user = editor(username)
    case = Case.objects.editable_by(user).order_by("pk").first()
    assert case is not None
    token = api_token_issue(actor=user, name="fault drill").token
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
    version, acked, refusal = case.version, [], None
    for number in range(max_writes):
        value = f"{tag} {number} " + (f"{number:06d}" * (size // 6))[:size]
        response = client.patch(
            f"/api/v1/cases/{case.pk}", {"summary": value, "version": version}, content_type="application/json"
        )
        if response.status_code == 200:
            version = response.json()["version"]
            acked.append([case.pk, value])
            continue
        body = response.content.decode(errors="replace")
        refusal = {
            "write": number,
            "status": response.status_code,
            "content_type": response.get("Content-Type", ""),
            "retry_after": response.get("Retry-After", ""),
            "body": body[:300],
            "traceback_in_body": "Traceback" in body or 'File "' in body,
            "value": [case.pk, value],
        }
        break
    return {"case_id": case.pk, "start_version": case.version, "acked": acked, "refusal": refusal}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="faults.probe")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("import-state").add_argument("prefix")
    token = commands.add_parser("api-token")
    token.add_argument("username")
    token.add_argument("count", type=int)
    commands.add_parser("writes-check").add_argument("path")
    racer = commands.add_parser("race")
    racer.add_argument("username")
    racer.add_argument("rounds", type=int)
    checker = commands.add_parser("race-check")
    for name in ("case_id", "start_version", "baseline"):
        checker.add_argument(name, type=int)
    filler = commands.add_parser("fill")
    filler.add_argument("username")
    filler.add_argument("--max-writes", type=int, default=400)
    filler.add_argument("--size", type=int, default=19_000)
    filler.add_argument("--max-pages", type=int, default=0)
    filler.add_argument("--tag", default="fill")
    args = parser.parse_args(argv)
    if args.command == "import-state":
        result = import_state(args.prefix)
    elif args.command == "api-token":
        result = api_token(args.username, args.count)
    elif args.command == "writes-check":
        result = writes_check(args.path)
    elif args.command == "race":
        result = race(args.username, args.rounds)
    elif args.command == "race-check":
        result = race_check(args.case_id, args.start_version, args.baseline)
    else:
        result = fill(args.username, args.max_writes, args.size, args.max_pages, args.tag)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
