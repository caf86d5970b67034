"""Vacancies: recorded and filled by the unit's managers (audited), shown with their effect on the
unit's capacity, and filled in what-if scenarios."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.core import clock
from casework.core.errors import NotFound, PermissionDenied, ValidationFailed
from casework.people.models import Grade
from casework.resourcing import reports, rules, scenarios, services
from casework.resourcing.models import Vacancy
from tests.factories import PASSWORD

SCP = "senior-crown-prosecutor"


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _vacancy(personas, fte: str = "1", since: dt.date | None = None) -> Vacancy:
    return services.vacancy_record(
        actor=personas.manager_a,
        unit=personas.unit_a,
        grade=Grade.objects.get(code=SCP),
        fte=Decimal(fte),
        since=since or dt.date(2026, 4, 1),
        reason="Retirement",
    )


def test_vacancy_effect_arithmetic() -> None:
    effect = rules.vacancy_effect(
        workload=Decimal("240"),
        available=Decimal("120"),
        vacancies=[rules.VacancyFact(SCP, Decimal("1")), rules.VacancyFact("other", Decimal("0.5"))],
        targets={SCP: 120},
        default_target=100,
    )
    assert effect.vacant_fte == Decimal("1.50") and effect.points_if_filled == Decimal("170.00")
    assert (effect.percent_now, effect.percent_if_filled) == (200, 83)  # 240/120, 240/290
    nobody = rules.vacancy_effect(
        workload=Decimal("10"), available=Decimal("0"), vacancies=[], targets={}, default_target=100
    )
    assert (nobody.percent_now, nobody.percent_if_filled) == (None, None)


def test_record_and_fill_are_audited_and_change_the_report(personas, case_a) -> None:
    vacancy = _vacancy(personas)
    created = AuditEvent.objects.get(subject_type="resourcing.vacancy", action="collect")
    assert created.changes_dict["grade"] == [None, SCP] and created.changes_dict["fte"] == [None, "1"]

    report = reports.unit_report(personas.unit_a, on=clock.today())
    assert [v.pk for v in report.vacancies] == [vacancy.pk]
    effect = report.vacancy_effect
    assert effect.points_if_filled == Decimal("120.00")
    assert effect.percent_now == report.total.percent
    assert effect.percent_if_filled is not None and effect.percent_now is not None
    assert effect.percent_if_filled < effect.percent_now

    services.vacancy_fill(actor=personas.manager_a, vacancy=vacancy, filled_on=clock.today())
    assert AuditEvent.objects.get(subject_type="resourcing.vacancy", action="alter").changes_dict["filled_on"] == [
        None,
        clock.today().isoformat(),
    ]
    # Filled today: no longer open from today on, but it was open yesterday.
    assert reports.unit_report(personas.unit_a, on=clock.today()).vacancies == []
    assert Vacancy.objects.open_on(clock.today() - dt.timedelta(days=1)).count() == 1
    with pytest.raises(ValidationFailed):
        services.vacancy_fill(actor=personas.manager_a, vacancy=vacancy, filled_on=clock.today())


def test_write_denials_and_validation(personas) -> None:
    grade = Grade.objects.get(code=SCP)
    values = {"grade": grade, "fte": Decimal("1"), "since": dt.date(2026, 4, 1), "reason": "Promotion"}
    for persona in ("area_leader_a", "hq", "inspector"):  # they see the unit but do not keep its vacancies
        with pytest.raises(PermissionDenied):
            services.vacancy_record(actor=getattr(personas, persona), unit=personas.unit_a, **values)
    for persona in ("prosecutor_a", "paralegal_a", "prosecutor_b", "police_x", "admin"):
        with pytest.raises(NotFound):
            services.vacancy_record(actor=getattr(personas, persona), unit=personas.unit_a, **values)
    with pytest.raises(NotFound):
        services.vacancy_record(actor=personas.manager_a, unit=personas.unit_b, **values)
    for bad in ({"fte": Decimal("0")}, {"fte": Decimal("1.5")}, {"since": dt.date(2027, 1, 1)}, {"reason": " "}):
        with pytest.raises(ValidationFailed):
            services.vacancy_record(actor=personas.manager_a, unit=personas.unit_a, **(values | bad))
    vacancy = services.vacancy_record(actor=personas.unithead_a, unit=personas.unit_a, **values)
    with pytest.raises(PermissionDenied):
        services.vacancy_fill(actor=personas.hq, vacancy=vacancy, filled_on=clock.today())
    with pytest.raises(ValidationFailed):
        services.vacancy_fill(actor=personas.manager_a, vacancy=vacancy, filled_on=dt.date(2026, 3, 1))
    assert Vacancy.objects.filter(filled_on__isnull=False).count() == 0


def test_scenario_fills_open_vacancies(personas, case_a) -> None:
    _vacancy(personas, fte="0.5")
    scenario = services.scenario_save(
        actor=personas.manager_a, name="Fill the post", unit=personas.unit_a, changes={"fill_vacancies": True}
    )
    assert scenario.changes["fill_vacancies"] is True
    result = scenarios.compute(scenario, on=clock.today())
    scp = next(c for c in result.grades if c.baseline.grade_code == SCP)
    assert scp.scenario.fte == scp.baseline.fte + Decimal("0.5")
    assert scp.scenario.available == scp.baseline.available + 60
    # The page: the box is offered and the comparison lists the filled vacancy as a staff change.
    client = _client(personas.manager_a)
    response = client.post(
        reverse("resourcing:scenarios"),
        {"name": "Fill again", "unit": personas.unit_a.pk, "fill_vacancies": "on", "moves": ""},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Add 0.50 FTE senior-crown-prosecutor" in page and "Fill the unit's open vacancies (1;" in page


def test_vacancy_page_for_managers_and_readers(personas, case_a) -> None:
    url = reverse("resourcing:vacancies", args=[personas.unit_a.pk])
    manager = _client(personas.manager_a)
    response = manager.post(
        url,
        {
            "add_vacancy": "1",
            "grade": SCP,
            "fte": "1",
            "since_day": "1",
            "since_month": "4",
            "since_year": "2026",
            "reason": "Retirement",
        },
    )
    assert response.status_code == 302
    vacancy = Vacancy.objects.get()
    page = manager.get(url).content.decode()
    assert "Retirement" in page and "if every vacancy were filled" in page and "Record vacancy" in page
    unit_page = manager.get(reverse("resourcing:unit", args=[personas.unit_a.pk])).content.decode()
    assert "1 open vacancy" in unit_page and "if filled" in unit_page
    error = manager.post(
        url,
        {
            "add_vacancy": "1",
            "grade": SCP,
            "fte": "2",
            "since_day": "1",
            "since_month": "4",
            "since_year": "2026",
            "reason": "x",
        },
    )
    assert error.status_code == 200 and "Error:" in error.content.decode()

    reader = _client(personas.area_leader_a)
    page = reader.get(url).content.decode()
    assert "Retirement" in page and "Record vacancy" not in page
    assert (
        reader.post(
            url,
            {
                "fill_vacancy": "1",
                "vacancy": vacancy.pk,
                "filled_on_day": "11",
                "filled_on_month": "5",
                "filled_on_year": "2026",
            },
        ).status_code
        == 403
    )
    assert (
        manager.post(
            url,
            {
                "fill_vacancy": "1",
                "vacancy": vacancy.pk,
                "filled_on_day": "11",
                "filled_on_month": "5",
                "filled_on_year": "2026",
            },
        ).status_code
        == 302
    )
    vacancy.refresh_from_db()
    assert vacancy.filled_on == dt.date(2026, 5, 11)


@pytest.mark.parametrize("persona", ["prosecutor_a", "paralegal_a", "prosecutor_b", "police_x", "police_y", "admin"])
def test_vacancy_page_404_for_others(personas, persona) -> None:
    client = _client(getattr(personas, persona))
    url = reverse("resourcing:vacancies", args=[personas.unit_a.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"add_vacancy": "1", "grade": SCP}).status_code == 404
    assert not Vacancy.objects.exists()


def test_manager_of_unit_a_cannot_reach_unit_b(personas) -> None:
    url = reverse("resourcing:vacancies", args=[personas.unit_b.pk])
    assert _client(personas.manager_a).get(url).status_code == 404
