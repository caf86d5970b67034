"""Coverage at national scale: each prosecutor's quota read from narrow rows and worked out once per
(FTE, long-absence days), equal to the one-person calculation; the page shows those furthest behind
first, a limited number of them, with every row in the downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from casework.audit.models import AuditEvent
from casework.people.choices import AbsenceKind, RoleCode
from casework.people.models import Absence, Team, User
from casework.quality import rules, selectors, views
from tests.factories import PASSWORD, make_user
from tests.quality.conftest import submitted

QUARTER = rules.Quarter.parse("2026-Q2")


def _prosecutors(personas, count: int, seed: int = 7) -> list[User]:
    """Prosecutors of varied FTE, team and absences (long, short, overlapping, across the quarter)."""
    rng = random.Random(seed)
    team = Team.objects.create(unit=personas.unit_a, name="Coverage team")
    made = []
    for index in range(count):
        person = make_user(
            f"cover.{index}",
            RoleCode.PROSECUTOR,
            unit=personas.unit_a,
            fte=rng.choice([Decimal("1.00"), Decimal("0.80"), Decimal("0.60"), Decimal("0.50"), Decimal("0.25")]),
            team=team if rng.random() < 0.5 else None,
            first_name=rng.choice(["Ada", "", "Bo"]),
            last_name=rng.choice(["Quinn", "", "Reyes"]),
        )
        for _ in range(rng.choice([0, 0, 1, 2])):
            start = QUARTER.starts_on + dt.timedelta(days=rng.randint(-40, 80))
            Absence.objects.create(
                person=person,
                kind=rng.choice([AbsenceKind.SICKNESS, AbsenceKind.SECONDMENT, AbsenceKind.ANNUAL_LEAVE]),
                starts_on=start,
                ends_on=start + dt.timedelta(days=rng.randint(1, 70)),
                reason="Coverage test",
            )
        made.append(person)
    return made


def test_coverage_rows_equal_the_one_person_quota(personas) -> None:
    people = _prosecutors(personas, 40)
    policy = selectors.policy_on(QUARTER.starts_on)
    from_queryset = selectors.coverage_for(
        people=User.objects.filter(pk__in=[p.pk for p in people]), quarter=QUARTER, policy=policy
    )
    from_instances = selectors.coverage_for(
        people=User.objects.filter(pk__in=[p.pk for p in people]).select_related("unit", "team"),
        quarter=QUARTER,
        policy=policy,
    )
    from_list = selectors.coverage_for(people=list(people), quarter=QUARTER, policy=policy)
    assert from_queryset == from_instances == from_list
    assert len(from_queryset) == 40
    by_person = {row.person_id: row for row in from_queryset}
    explanations = set()
    for person in people:
        person.refresh_from_db()
        quota = selectors.quota_for_person(person=person, quarter=QUARTER, policy=policy)
        row = by_person[person.pk]
        assert (row.expected, row.explanation) == (quota.expected, quota.explanation)
        assert row.name == person.display_name
        assert row.team == (person.team.name if person.team else "")
        explanations.add(row.explanation)
    # the data really varies: several FTEs, and some long absences reducing the quota
    assert len(explanations) > 4 and any("long absence" in text for text in explanations)


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_page_shows_those_furthest_behind_and_the_downloads_hold_everyone(
    personas, case_a, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prosecutors(personas, 6)
    submitted(personas.manager_a, case_a)  # prosecutor.a has one of their assessments
    monkeypatch.setattr(views, "COVERAGE_ROWS_SHOWN", 3)
    client = _client(personas.unithead_a)
    response = client.get("/quality/coverage/?quarter=2026-Q2")
    assert response.status_code == 200
    rows, total = response.context["rows"], response.context["total"]
    everyone = selectors.coverage(user=personas.unithead_a, quarter=QUARTER)[0]
    assert total == len(everyone) >= 7
    assert rows == everyone[:3]
    assert [r.behind for r in rows] == sorted((r.behind for r in everyone), reverse=True)[:3]
    page = response.content.decode()
    assert f"the 3 prosecutors furthest behind, of {total}" in page
    assert f"The other {total - 3} prosecutors are in the downloads" in page
    behind = sum(1 for r in everyone if r.behind)
    assert f"{behind} of {total} prosecutors are behind" in page
    body = b"".join(client.get("/quality/coverage/export.csv?quarter=2026-Q2").streaming_content).decode()
    csv_rows = list(csv.reader(io.StringIO(body)))
    assert len(csv_rows) == total + 1
    workbook = b"".join(client.get("/quality/coverage/export.xlsx?quarter=2026-Q2").streaming_content)
    sheet = load_workbook(io.BytesIO(workbook), read_only=True).active
    # The same rows: an empty cell reads back as None, a number as a number.
    xlsx_rows = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert xlsx_rows == csv_rows


@pytest.mark.parametrize(
    ("path", "what", "name"),
    [
        ("/quality/coverage/export.{fmt}?quarter=2026-Q2", "coverage", "iqa-coverage-2026-Q2"),
        ("/quality/analytics/export.{fmt}", "analytics", "iqa-analytics"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_downloads_stream_after_their_event_is_written(personas, case_a, path, what, name, fmt) -> None:
    _prosecutors(personas, 3)
    submitted(personas.manager_a, case_a)
    response = _client(personas.unithead_a).get(path.format(fmt=fmt))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="{name}.{fmt}"'
    # Written before any of the file is read, with the number of rows the file holds.
    event = AuditEvent.objects.get(action="export", subject_type=f"quality.{what}")
    chunks = iter(response.streaming_content)
    first = next(chunks)
    body = first + b"".join(chunks)
    if fmt == "csv":
        rows = len(list(csv.reader(io.StringIO(body.decode())))) - 1
    else:
        assert first.startswith(b"PK\x03\x04")  # the workbook's first parts, before its rows
        rows = sum(1 for _row in load_workbook(io.BytesIO(body), read_only=True).active.iter_rows()) - 1
    assert rows > 0 and event.subject_label.startswith(f"IQA {what} {fmt.upper()}: {rows} rows")


def test_a_scope_within_the_limit_shows_every_row(personas, case_a) -> None:
    response = _client(personas.unithead_a).get("/quality/coverage/?quarter=2026-Q2")
    assert response.context["rows"] == selectors.coverage(user=personas.unithead_a, quarter=QUARTER)[0]
    page = response.content.decode()
    assert "furthest behind, of" not in page and "are in the downloads" not in page
