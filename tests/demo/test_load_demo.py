"""`casework load_demo`: deterministic, complete, audited and idempotent."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction

from casework.audit.models import AuditEvent
from casework.audit.verification import verify_chain
from casework.cases.choices import DocumentKind, Stage
from casework.cases.models import Case, CaseDocument, DocumentVersion
from casework.demo.digest import demo_digest
from casework.people.choices import RoleCode
from casework.people.models import User

FROZEN = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)
SMALL = 60


class _Rollback(Exception):
    pass


def load(**options) -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out, **{"cases": SMALL, "seed": 7, **options})
    return out.getvalue()


def digest_of_load(seed: int) -> str:
    """Load inside a savepoint, fingerprint it, and roll it back (the audit table forbids DELETE)."""
    digest = ""
    try:
        with transaction.atomic():
            load(seed=seed)
            digest = demo_digest()
            raise _Rollback
    except _Rollback:
        pass
    return digest


@pytest.fixture
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.mark.django_db
def test_same_seed_gives_identical_data_and_another_seed_differs(frozen):
    first, second, other = digest_of_load(7), digest_of_load(7), digest_of_load(8)
    assert first == second
    assert first != other


@pytest.mark.django_db
def test_personas_exist_with_their_roles_and_places(frozen):
    load()
    expected = {
        "prosecutor.a": (RoleCode.PROSECUTOR, "ccu-wessex"),
        "paralegal.a": (RoleCode.PARALEGAL, "ccu-wessex"),
        "manager.a": (RoleCode.LEGAL_MANAGER, "ccu-wessex"),
        "unithead.a": (RoleCode.UNIT_HEAD, "ccu-wessex"),
        "prosecutor.b": (RoleCode.PROSECUTOR, "ccu-north-east"),
        "area.a": (RoleCode.AREA_LEADERSHIP, None),
        "hq.analyst": (RoleCode.HQ_ANALYST, None),
        "inspector": (RoleCode.INSPECTOR, None),
        "police.x": (RoleCode.POLICE_LIAISON, None),
        "police.y": (RoleCode.POLICE_LIAISON, None),
        "admin": (RoleCode.ADMINISTRATOR, None),
    }
    for username, (role, unit_code) in expected.items():
        user = User.objects.select_related("unit").get(username=username)
        assert user.role_codes == {role}, username
        assert (user.unit.code if user.unit else None) == unit_code, username
    assert User.objects.get(username="area.a").area.code == "wessex"
    assert User.objects.get(username="police.x").police_force.code == "hampshire"
    assert User.objects.get(username="police.y").police_force.code == "durham"
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert User.objects.get(username="prosecutor.a").line_manager.username == "manager.a"
    assert User.objects.get(username="prosecutor.a").check_password("casework-demo-2026")


@pytest.mark.django_db
def test_password_comes_from_the_environment(frozen, monkeypatch):
    monkeypatch.setenv("CASEWORK_DEMO_PASSWORD", "a-different-demo-password")
    output = load()
    assert User.objects.get(username="manager.a").check_password("a-different-demo-password")
    assert "a-different-demo-password" not in output


@pytest.mark.django_db
def test_cases_cover_every_stage_and_are_audited(frozen):
    load(cases=SMALL)
    assert Case.objects.count() == SMALL
    assert set(Case.objects.values_list("stage", flat=True)) == set(Stage.values)
    collected = AuditEvent.objects.filter(action="collect", subject_type="cases.case")
    assert collected.count() == SMALL
    assert set(collected.values_list("case_id", flat=True)) == set(Case.objects.values_list("pk", flat=True))
    report = verify_chain()
    assert report.intact, report.reason


@pytest.mark.django_db
def test_every_unit_has_staff_at_every_grade_band_and_cases(frozen):
    load(cases=200)
    from casework.people.models import Unit

    for unit in Unit.objects.all():
        grades = set(unit.members.values_list("grade__code", flat=True))
        assert {"unit-head", "crown-prosecutor", "paralegal-officer"} <= grades, unit.code
        assert unit.cases.exists(), unit.code
    assert 10 <= User.objects.filter(unit__code="ccu-wessex").count() <= 12
    assert User.objects.filter(unit__code="ccu-london").count() >= 28


@pytest.mark.django_db
def test_dates_are_relative_to_today_with_hearings_either_side(frozen):
    load(cases=200)
    from casework.cases.models import Hearing

    today = dt.date(2026, 3, 10)
    assert Hearing.objects.filter(starts_at__lt=FROZEN).exists()
    assert Hearing.objects.filter(starts_at__gt=FROZEN).exists()
    assert not Case.objects.filter(accepted_on__gt=today).exists()
    assert not DocumentVersion.objects.filter(created_at__gt=FROZEN).exists()


@pytest.mark.django_db
def test_some_cases_are_deliberately_non_compliant(frozen):
    load(cases=300)
    without_psd = Case.objects.exclude(documents__kind=DocumentKind.PSD)
    without_dmd = Case.objects.exclude(documents__kind=DocumentKind.DMD)
    assert without_psd.exists()
    assert without_dmd.exists()
    assert DocumentVersion.objects.filter(document__kind=DocumentKind.MG3, rationale="").exists()
    assert DocumentVersion.objects.filter(document__kind=DocumentKind.MG3).exclude(rationale="").exists()
    assert CaseDocument.objects.filter(kind=DocumentKind.HEARING_RECORD_SHEET).exists()
    # Most cases are compliant: gaps are the exception the dashboards should find.
    assert without_psd.count() < Case.objects.count() * 0.25
    assert Case.objects.filter(ccp_direction_reason__gt="").count() < Case.objects.count() * 0.2
    assert Case.objects.filter(acceptance_criterion__isnull=False).count() > Case.objects.count() * 0.8


@pytest.mark.django_db
def test_prosecutor_a_has_a_live_caseload_managed_by_manager_a():
    from casework.cases.choices import OPEN_STAGES
    from casework.demo.generator import DemoGenerator
    from casework.demo.loader import load_reference

    for count in (1500, 3000):
        generator = DemoGenerator(seed=2026, today=dt.date(2026, 3, 10), reference=load_reference())
        mine = [c for c in generator.iter_cases(count) if c.allocated_lawyer == "prosecutor.a"]
        live = [c for c in mine if c.stage in OPEN_STAGES]
        assert 15 <= len(live) <= 25, count
        assert {c.legal_manager for c in mine} == {"manager.a"}
        assert {c.unit for c in mine} == {"ccu-wessex"}


@pytest.mark.django_db
def test_second_run_is_a_no_op(frozen):
    load()
    events = AuditEvent.objects.count()
    output = load()
    assert "already loaded" in output
    assert Case.objects.count() == SMALL
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_refuses_to_mix_into_a_database_with_real_cases(frozen, case_a):
    with pytest.raises(CommandError, match="not demo data"):
        load()


@pytest.mark.django_db
def test_progress_is_reported(frozen):
    output = load(cases=100)
    assert "cases 10/100" in output
    assert "cases 100/100" in output


@pytest.mark.django_db
def test_refuses_when_demo_usernames_are_taken(frozen, personas):
    with pytest.raises(CommandError, match="demo usernames"):
        load()
