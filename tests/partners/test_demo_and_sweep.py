"""The demo loader (every force gets a state; personas get live referrals and an escalation;
idempotent) and the sweep command."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from casework.audit.models import AuditEvent
from casework.partners import selectors
from casework.partners.demo import load_partners_demo
from casework.partners.models import Agreement, Escalation, MouTemplate, Referral
from casework.people.choices import RoleCode
from casework.people.models import Unit
from tests.factories import Personas, make_user


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 6, 3, 10, 0, tzinfo=dt.UTC))


@pytest.fixture
def managers_everywhere(personas: Personas) -> None:
    """The base demo gives every unit a manager; the personas fixture only staffs units A and B."""
    for unit in Unit.objects.exclude(pk=personas.unit_a.pk):
        make_user(f"head.{unit.code}", RoleCode.UNIT_HEAD, unit=unit)


def test_demo_gives_every_force_a_state_and_is_idempotent(personas: Personas, managers_everywhere, hq_policy) -> None:
    counts = load_partners_demo(seed=7)
    assert MouTemplate.objects.filter(number=2).exists()
    states = set(Agreement.objects.values_list("status", flat=True))
    assert {"signed", "draft"} <= states
    assert counts.get("missing", 0) >= 1 and counts.get("expired", 0) + counts.get("review_due", 0) >= 1
    hampshire = Agreement.objects.get(force=personas.force_x)
    assert hampshire.status == "signed" and hampshire.template.number == 2
    today = dt.date(2026, 6, 3)
    assert Referral.objects.filter(force=personas.force_x, submitted_on=today).count() == 4
    assert Referral.objects.filter(force=personas.force_y, submitted_on=today).count() == 4
    # Each persona force has one request sent with items still missing: no clock runs on it yet.
    waiting = Referral.objects.filter(force=personas.force_x, submitted_on=today).exclude(missing_items=[])
    assert waiting.count() == 1
    assert waiting.get().acknowledge_due_on is None
    assert Escalation.objects.filter(status="open").exists()
    snapshot = (Agreement.objects.count(), Referral.objects.count(), Escalation.objects.count())
    again = load_partners_demo(seed=7)
    assert (Agreement.objects.count(), Referral.objects.count(), Escalation.objects.count()) == snapshot
    assert (
        again["referrals"] == 0 and again["past_referrals"] == 0 and again["skipped"] == 43 - counts.get("missing", 0)
    )


def test_demo_gives_the_persona_forces_a_year_of_referrals_already_answered(personas: Personas) -> None:
    counts = load_partners_demo(seed=7)
    for officer in (personas.police_x, personas.police_y):
        figures = selectors.force_performance(user=officer, force_id=officer.police_force_id, today=dt.date(2026, 6, 3))
        months = [month for month, n in figures["trend"] if n]
        assert months == [
            f"{year}-{month:02d}"
            for year, month in [(2025, m) for m in range(7, 13)] + [(2026, m) for m in range(1, 7)]
        ]
    past = Referral.objects.filter(submitted_on__lt=dt.date(2026, 6, 1))
    assert past.count() == counts["past_referrals"] > 0
    assert not past.filter(status__in=["submitted", "acknowledged"]).exists()
    assert AuditEvent.objects.filter(subject_type="partners.referral", action="collect").count() >= past.count()


def test_demo_is_deterministic_for_a_seed(personas: Personas, managers_everywhere) -> None:
    first = load_partners_demo(seed=3)
    assert first == {**first}  # a plain dict of counts
    by_force = dict(Agreement.objects.values_list("force__code", "status"))
    assert by_force["hampshire"] == "signed" and by_force["durham"] == "signed"


def test_sweep_command_reports_json(personas: Personas) -> None:
    out = StringIO()
    call_command("partners_sweep", "--date", "2026-06-03", "--json", stdout=out)
    assert set(json.loads(out.getvalue())) == {
        "review_due",
        "expired",
        "reminders",
        "breaches_escalated",
        "escalations_raised_a_level",
    }


def test_demo_command(personas: Personas) -> None:
    out = StringIO()
    call_command("load_partners_demo", "--seed", "1", stdout=out)
    assert "referrals: 8" in out.getvalue()
