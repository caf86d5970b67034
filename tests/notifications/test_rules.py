"""Who may receive which kind of e-mail (pure rules, table-driven)."""

from __future__ import annotations

import pytest

from casework.notifications import rules
from casework.notifications.catalogue import CASE_FIELDS, KINDS, Audience


def reason(code: str, **overrides):
    spec = KINDS[code]
    facts = {
        "kind": spec,
        "fields": spec.fields,
        "recipient_is_police": spec.audience == Audience.POLICE,
        "recipient_active": True,
        "recipient_force_id": 1 if spec.audience == Audience.POLICE else None,
        "subject_force_id": 1 if spec.audience == Audience.POLICE else None,
        "case_ids": [7] if spec.carries_cases else [],
        "visible_case_ids": [7] if spec.carries_cases else [],
    }
    facts.update(overrides)
    return rules.refusal_reason(**facts)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_may_go_to_its_own_audience(kind):
    assert reason(kind) is None


@pytest.mark.parametrize(
    ("kind", "overrides", "expected"),
    [
        ("ctl_warning", {"recipient_is_police": True}, "Police contacts never receive CPS case notices"),
        ("signoff_decision", {"recipient_is_police": True}, "Police contacts never receive CPS case notices"),
        ("daily_digest", {"recipient_is_police": True}, "Police contacts never receive CPS case notices"),
        ("police_sla_breach", {"recipient_is_police": False}, "only to a police force's contact"),
        ("police_escalation", {"subject_force_id": 2}, "does not act for the force"),
        ("police_escalation", {"subject_force_id": None}, "does not act for the force"),
        ("ctl_warning", {"visible_case_ids": []}, "may not open 1 of the cases"),
        ("iqa_request", {"case_ids": [], "visible_case_ids": []}, "must name the case"),
        ("ctl_warning", {"fields": (*KINDS["ctl_warning"].fields, "defendant")}, "unexpected ['defendant']"),
        ("ctl_warning", {"fields": ("name", "urn")}, "missing"),
        ("invitation", {"recipient_active": False}, "not active"),
    ],
)
def test_refusals(kind, overrides, expected):
    assert expected in (reason(kind, **overrides) or "")


def test_police_kinds_declare_no_cps_case_field():
    for kind in KINDS.values():
        if kind.audience == Audience.POLICE:
            assert not (CASE_FIELDS & set(kind.fields)), kind.code
            assert not kind.carries_cases


def test_a_police_kind_smuggling_a_urn_is_refused():
    spec = KINDS["police_sla_breach"]
    changed = type(spec)(spec.code, spec.label, spec.audience, (*spec.fields, "urn"), False, spec.when)
    assert "may not carry CPS case fields" in reason("police_sla_breach", kind=changed, fields=changed.fields)


@pytest.mark.parametrize(("attempts", "minutes"), [(1, 1), (2, 5), (3, 15), (5, 180), (6, None), (9, None)])
def test_retry_back_off(attempts, minutes):
    assert rules.retry_delay_minutes(attempts) == minutes
