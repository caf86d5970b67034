"""The sweep's custody time limit warning e-mails, queued a batch at a time: one e-mail to each
person told (one notice per case and event), refused where the person may not open the case,
never sent twice, and the same records and disclosures as one notify call per warning."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.audit.models import AuditEvent
from casework.cases.models import Case, CaseSweepMark
from casework.core.working_days import fmt
from casework.notifications import services as notifications
from casework.notifications.models import OutboundEmail
from casework.progression import sweep as sweep_module
from casework.progression.models import Notice
from casework.progression.sweep import progression_sweep
from tests.factories import Personas, make_case
from tests.progression.test_notices import _clocks


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC))


@pytest.fixture
def mixed(personas: Personas, case_a, case_b) -> list[Case]:
    """Cases whose limits expire within 28 days, told to people with and without an address, one
    of whom may not open the case, and one case whose limit is far off."""
    for user in personas.all().values():
        user.email = f"{user.username}@example.test"
        user.save(update_fields=["email"])
    personas.prosecutor_b.email = ""  # no address: a notice but no e-mail
    personas.prosecutor_b.save(update_fields=["email"])
    # Two expiry dates on case_a (16 Mar and 23 Mar): two events, each told to both people.
    _clocks(case_a, personas.prosecutor_a, dt.date(2026, 1, 19), {"Alex Mercer": ["Robbery", "Assault"]})
    _clocks(case_a, personas.prosecutor_a, dt.date(2026, 1, 26), {"Sam Okafor": ["Burglary"]})
    _clocks(case_b, personas.prosecutor_b, dt.date(2026, 1, 26), {"Jo Bloggs": ["Affray"]})
    # A unit B case still naming unit A's manager (as after a move between units): told in the
    # app, but the e-mail is refused because they may no longer open the case.
    elsewhere = make_case(actor=personas.prosecutor_b, allocated_lawyer_id=personas.prosecutor_b.pk)
    Case.objects.filter(pk=elsewhere.pk).update(legal_manager_id=personas.manager_a.pk)
    elsewhere.refresh_from_db()
    _clocks(elsewhere, personas.prosecutor_b, dt.date(2026, 2, 2), {"Kim Lowe": ["Theft"]})
    far = make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk)
    _clocks(far, personas.prosecutor_a, dt.date(2026, 2, 27), {"Lee Park": ["Fraud"]})  # 53 days left
    return [case_a, case_b, elsewhere, far]


def _expected_from_notices() -> list[tuple]:
    """What one notify call per new warning notice queues (the behaviour before batching)."""
    expected = []
    for notice in Notice.objects.filter(event="ctl_warning").select_related("user", "case"):
        person, case = notice.user, notice.case
        if not person.email:
            continue
        visible = Case.objects.visible_to(person).filter(pk=case.pk).exists()
        expected.append(
            (
                person.email,
                case.pk,
                "queued" if visible else "refused",
                {
                    "name": person.display_name,
                    "urn": case.urn,
                    "expires_on": fmt(notice.due_on),
                    "days_left": str((notice.due_on - dt.date(2026, 3, 2)).days),
                    "link": notifications.absolute_url(f"/progression/cases/{case.pk}/"),
                }
                if visible
                else {},
            )
        )
    return sorted(expected, key=repr)


def _queued() -> list[tuple]:
    return sorted(
        (
            (e.to_email, e.case_ids[0], e.status, e.personalisation)
            for e in OutboundEmail.objects.filter(kind="ctl_warning")
        ),
        key=repr,
    )


def _assert_one_email_per_warning_told() -> list[tuple]:
    queued = _queued()
    expected = _expected_from_notices()
    for row in expected:  # the link's path comes from the URL conf; every other field is compared
        if row[2] == "queued":
            row[3]["link"] = next(q[3]["link"] for q in queued if q[1] == row[1] and q[2] == "queued")
    assert queued == expected
    return queued


def test_each_warning_is_emailed_once_to_each_person_told(mixed, personas: Personas, settings) -> None:
    settings.CASEWORK_BASE_URL = "https://casework.example.org"
    report = progression_sweep()
    warnings = Notice.objects.filter(event="ctl_warning")
    assert report.notices_created >= warnings.count() == 7  # case_a 2 dates × 2 people, case_b 1, elsewhere 2
    queued = _assert_one_email_per_warning_told()
    assert all(q[3]["link"].startswith("https://casework.example.org/") for q in queued if q[2] == "queued")
    assert {row[2] for row in queued} == {"queued", "refused"}  # the set really is mixed
    assert len(queued) == 5  # prosecutor_b (case_b, elsewhere) has no address
    disclosed = sorted(
        AuditEvent.objects.filter(action="disclose", subject_label="Custody time limit warning").values_list(
            "case_id", "recipient"
        )
    )
    assert disclosed == sorted((row[1], row[0]) for row in queued if row[2] == "queued")


def test_no_warning_is_emailed_twice(mixed, personas: Personas, time_machine) -> None:
    progression_sweep()
    sent = OutboundEmail.objects.filter(kind="ctl_warning").count()
    assert progression_sweep().notices_created == 0  # the same day: nothing due
    CaseSweepMark.objects.all().delete()  # every case worked out again: the notices stop repeats
    again = progression_sweep()
    assert again.cases >= 4 and again.notices_created == 0
    time_machine.move_to(dt.datetime(2026, 3, 3, 2, 0, tzinfo=dt.UTC))  # the next day, same thresholds
    progression_sweep()
    assert OutboundEmail.objects.filter(kind="ctl_warning").count() == sent


def test_warnings_across_batches_are_each_queued(mixed, personas: Personas, monkeypatch) -> None:
    monkeypatch.setattr(sweep_module, "BATCH_SIZE", 1)  # one case per batch and transaction
    progression_sweep()
    assert len(_assert_one_email_per_warning_told()) == 5
