"""Resourcing pages: the units overview, a unit's capacity and resilience (with exports), a case's
REM record and band, and allocation help. Police liaison officers and administrators get 404s;
a case or unit outside the viewer's set is a 404; HQ and inspectors see no individual's figures."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from casework.cases.form_view import CaseFormView
from casework.cases.models import Case
from casework.core import clock
from casework.core.errors import CaseworkError
from casework.core.forms import apply_service_error
from casework.core.spreadsheets import CONTENT_TYPES
from casework.core.views import http_error_for
from casework.people.choices import UNIT_MANAGER_ROLES
from casework.people.models import Grade, User
from casework.resourcing import (
    exports,
    forms,
    reports,
    rollups,
    rules,
    scenarios,
    selectors,
    services,
    stored,
    timesheets,
)
from casework.resourcing.models import RESOURCING_ROLES, RemRecord, Scenario, TimeEntry, Vacancy, scenario_units


def _user(request: HttpRequest) -> Any:
    user: Any = request.user
    if not (user.role_codes & RESOURCING_ROLES):
        raise Http404("Page not found.")
    return user


def _fail(form: Any, error: CaseworkError) -> None:
    mapped = http_error_for(error)
    if mapped is not None:
        raise mapped from error
    apply_service_error(form, error)


def _bars(groups: list[selectors.GroupCapacity]) -> list[dict[str, Any]]:
    """Rows for the SVG bar chart: width capped at 150% so an overloaded group still fits."""
    return [
        {"label": g.label, "percent": g.percent, "width": min(g.percent or 0, 150), "over": (g.percent or 0) > 100}
        for g in groups
    ]


@login_required
@require_http_methods(["GET", "HEAD"])
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = clock.today()
    units = list(selectors.units_visible_to(user))
    overview = reports.unit_overview(units, on=today) if units else None
    unit_rows = overview.units if overview else []
    own = selectors.capacity_for(User.objects.filter(pk=user.pk), on=today, policy=selectors.policy_on(today))
    return render(
        request,
        "resourcing/home.html",
        {
            "units": unit_rows,
            "overview": overview,
            "own": own.get(user.pk),
            "bars": _bars([r.total for r in unit_rows]),
            "today": today,
            "sees_rollup": rollups.areas_visible_to(user).exists(),
            "sees_nation": rollups.sees_nation(user),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def unit_detail(request: HttpRequest, unit_id: int, fmt: str = "") -> HttpResponse:
    user = _user(request)
    unit = get_object_or_404(selectors.units_visible_to(user), pk=unit_id)
    report = reports.unit_report(unit, on=clock.today())
    named = set(selectors.named_people(user).filter(unit_id=unit.pk).values_list("pk", flat=True))
    if fmt:
        body = exports.export_unit(actor=user, report=report, named=named, fmt=fmt)
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="resourcing-{unit.code}-{report.on}.{fmt}"'
        return response
    people = [p for p in report.people if p.person_id in named]
    services.people_report_consulted(actor=user, unit=unit, named_people=len(people))
    forecast = stored.unit_forecast(unit.pk, report.on)
    return render(
        request,
        "resourcing/unit.html",
        {
            "report": report,
            "people": people,
            "hidden": len(report.people) - len(people),
            "grade_bars": _bars(report.by_grade),
            "named": bool(people),
            "forecast": forecast.forecast,
            "forecast_stored": forecast.stored,
            "forecast_as_of": forecast.as_of,
            "can_plan": scenario_units(user).filter(pk=unit.pk).exists(),
            "manages": bool(user.role_codes & UNIT_MANAGER_ROLES) and user.unit_id == unit.pk,
            "timesheet_form": forms.TimesheetForm()["file"],
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def capacity_by_grade(request: HttpRequest, fmt: str = "") -> HttpResponse:
    """Capacity % by grade per Area (and nationally for HQ and inspectors): chart, table, exports."""
    user = _user(request)
    areas = rollups.areas_visible_to(user)
    area_choices = list(areas.order_by("name").values_list("code", "name"))
    if not area_choices:
        raise Http404("Page not found.")
    form = forms.RollupFilterForm(
        request.GET or None,
        areas=area_choices,
        grades=list(Grade.objects.order_by("-seniority").values_list("code", "name")),
        sorts=rollups.SORTS,
    )
    area, grade, sort = form.choice("area"), form.choice("grade"), form.choice("sort", "area")
    national = rollups.sees_nation(user)
    result = rollups.capacity_rollup(
        areas=areas.filter(code=area) if area else areas, national=national, on=clock.today()
    )
    rows = rollups.area_rows(result, grade=grade, sort=sort)
    nation = [g for g in result.nation if not grade or g.grade_code == grade]
    if fmt:
        body = exports.export_rollup(actor=user, rollup=result, rows=rows, nation=nation, fmt=fmt)
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="capacity-by-grade-{result.on}.{fmt}"'
        return response
    return render(
        request,
        "resourcing/grades.html",
        {
            "form": form,
            "result": result,
            "rows": rows,
            "nation": nation,
            "national": national,
            "area_bars": _bars_for_rows(rows, with_scope=True),
            "nation_bars": _bars_for_rows(nation, with_scope=False),
            "query": request.GET.urlencode(),
        },
    )


def _bars_for_rows(rows: list[rollups.GradeRollup], *, with_scope: bool) -> list[dict[str, Any]]:
    return [
        {
            "label": f"{g.scope}: {g.grade_name}" if with_scope else g.grade_name,
            "percent": g.percent,
            "width": min(g.percent or 0, 150),
            "over": (g.percent or 0) > 100,
        }
        for g in rows
    ]


def _visible_case(user: Any, case_id: int) -> Case:
    return get_object_or_404(Case.objects.visible_to(user).select_related("unit"), pk=case_id)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = _visible_case(user, case_id)
    today = clock.today()
    record = RemRecord.objects.filter(case=case).first()
    editable = Case.objects.editable_by(user).filter(pk=case.pk).exists()
    initial: dict[str, Any] = {"victims": 0, "witnesses": 0}
    if record is not None:
        initial = {f: getattr(record, f) for f in services.RECORD_FIELDS}
        initial["version"] = record.version
        initial["counsel_instructed"] = (
            "" if record.counsel_instructed is None else ("yes" if record.counsel_instructed else "no")
        )
        initial["estimated_hours"] = json.dumps(record.estimated_hours) if record.estimated_hours else ""
    form = forms.RemRecordForm(
        request.POST if request.method == "POST" and "save_record" in request.POST else None, initial=initial
    )
    time_form = forms.TimeEntryForm(
        request.POST if request.method == "POST" and "add_time" in request.POST else None,
        initial={"week_starting": today},
    )
    if request.method == "POST":
        if not editable:
            raise DjangoPermissionDenied("You can view this case but not change its REM record.")
        if "save_record" in request.POST and form.is_valid():
            try:
                services.rem_record_save(
                    actor=user, case=case, expected_version=form.cleaned_data.get("version"), **form.service_values()
                )
                messages.success(request, "REM record saved.")
                return redirect("resourcing:case", case_id=case.pk)
            except CaseworkError as error:
                _fail(form, error)
        if "add_time" in request.POST and time_form.is_valid():
            try:
                services.time_entry_record(actor=user, case=case, **time_form.cleaned_data)
                messages.success(request, "Time recorded.")
                return redirect("resourcing:case", case_id=case.pk)
            except CaseworkError as error:
                _fail(time_form, error)
    band = selectors.band_for_case(case, today)
    currency = rules.record_currency(
        selectors.record_facts([case.pk])[case.pk], today=today, days=selectors.policy_on(today).currency_days
    )
    entries = TimeEntry.objects.filter(record__case=case).select_related("person")[:50]
    return render(
        request,
        "resourcing/case.html",
        {
            "case": case,
            "record": record,
            "band": band,
            "currency": currency,
            "form": form,
            "time_form": time_form,
            "entries": entries,
            "editable": editable,
            "can_allocate": bool(user.role_codes & UNIT_MANAGER_ROLES) and user.unit_id == case.unit_id,
        },
    )


class AllocateView(CaseFormView):
    """Allocate a case's lawyers with the ranked suggestions: the case's unit managers only."""

    form_class = forms.AllocationForm
    template_name = "resourcing/allocate.html"
    section = "overview"
    title = "Allocate the case"

    def load_case(self, user: Any, case_id: int) -> Case:
        case = _visible_case(user, case_id)
        if not (user.role_codes & UNIT_MANAGER_ROLES and user.unit_id == case.unit_id):
            raise Http404("Page not found.")
        return case

    def setup_objects(self, **kwargs: Any) -> None:
        self.help = reports.allocation_help(self.case, on=clock.today())

    def form_kwargs(self) -> dict[str, Any]:
        return {"people": [(r.candidate.person_id, r.candidate.name) for r in self.help.ranked]}

    def initial(self) -> dict[str, Any]:
        case = self.case
        return {"version": case.version, "lead_id": case.allocated_lawyer_id, "deputy_id": case.deputy_lawyer_id}

    def perform(self, form: Any) -> str:
        services.allocation_decide(
            actor=self.user,
            case=self.case,
            expected_version=form.cleaned_data["version"],
            lead_id=form.cleaned_data["lead_id"],
            deputy_id=form.cleaned_data["deputy_id"],
            reason=form.cleaned_data["reason"],
            ranking=self.help.ranked,
        )
        return "Allocation recorded."

    def success_url(self) -> str:
        return reverse("resourcing:case", args=[self.case.pk])

    def context(self) -> dict[str, Any]:
        return {"help": self.help}


# --- what-if scenarios ------------------------------------------------------------------------------


def _planner(request: HttpRequest) -> Any:
    """Scenario pages: unit managers, Area leadership and HQ; everyone else 404."""
    user: Any = request.user
    if not scenario_units(user).exists():
        raise Http404("Page not found.")
    return user


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def scenario_list(request: HttpRequest) -> HttpResponse:
    user = _planner(request)
    units = list(scenario_units(user).order_by("name"))
    grades = list(Grade.objects.order_by("-seniority").values_list("code", "name"))
    form = forms.ScenarioForm(
        request.POST if request.method == "POST" else None,
        units=[(u.pk, u.name) for u in units],
        grades=grades,
        initial={"unit": user.unit_id},
    )
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in units if u.pk == int(form.cleaned_data["unit"]))
        try:
            scenario = services.scenario_save(
                actor=user, name=form.cleaned_data["name"], unit=unit, changes=form.changes()
            )
            messages.success(request, "Scenario saved.")
            return redirect("resourcing:scenario", scenario_id=scenario.pk)
        except CaseworkError as error:
            _fail(form, error)
    scenarios = Scenario.objects.visible_to(user).select_related("unit", "created_by")[:100]
    return render(request, "resourcing/scenarios.html", {"form": form, "scenarios": scenarios})


def _compare_bars(result: scenarios.ScenarioResult) -> list[dict[str, Any]]:
    rows = []
    for c in [*result.grades, result.total]:
        rows.append(
            {
                "label": c.baseline.grade_name,
                "baseline": c.baseline.percent,
                "scenario": c.scenario.percent,
                "baseline_width": min(c.baseline.percent or 0, 150),
                "scenario_width": min(c.scenario.percent or 0, 150),
                "change": c.change,
                "row": c,
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "HEAD"])
def scenario_detail(request: HttpRequest, scenario_id: int) -> HttpResponse:
    user = _planner(request)
    scenario = get_object_or_404(Scenario.objects.visible_to(user).select_related("unit", "created_by"), pk=scenario_id)
    result = scenarios.compute(scenario, on=clock.today())
    months = list(zip(result.baseline_forecast.months, result.scenario_forecast.months, strict=True))
    return render(
        request,
        "resourcing/scenario.html",
        {"scenario": scenario, "result": result, "bars": _compare_bars(result), "months": months},
    )


# --- vacancies and timesheets -------------------------------------------------------------------------


def _managed_unit(request: HttpRequest, unit_id: int) -> tuple[Any, Any, bool]:
    """(user, unit, manages): the unit must be one the viewer's resourcing pages cover (else 404)."""
    user = _user(request)
    unit = get_object_or_404(selectors.units_visible_to(user), pk=unit_id)
    return user, unit, bool(user.role_codes & UNIT_MANAGER_ROLES) and user.unit_id == unit.pk


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def vacancies(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The unit's vacancies: everyone who sees the unit reads them; its managers record and fill them."""
    user, unit, manages = _managed_unit(request, unit_id)
    grades = list(Grade.objects.order_by("-seniority").values_list("code", "name"))
    posting = request.method == "POST"
    form = forms.VacancyForm(
        request.POST if posting and "add_vacancy" in request.POST else None,
        grades=grades,
        initial={"since": clock.today(), "fte": "1"},
    )
    filling = posting and "fill_vacancy" in request.POST
    fill_form = forms.VacancyFillForm(
        request.POST if filling else None,
        auto_id=f"filled-{request.POST.get('vacancy', '')}-%s" if filling else "id_%s",
    )
    if posting:
        if not manages:
            raise DjangoPermissionDenied("Only a legal manager or unit head of the unit keeps its vacancies.")
        try:
            if "add_vacancy" in request.POST and form.is_valid():
                services.vacancy_record(
                    actor=user,
                    unit=unit,
                    grade=Grade.objects.get(code=form.cleaned_data["grade"]),
                    fte=form.cleaned_data["fte"],
                    since=form.cleaned_data["since"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, "Vacancy recorded.")
                return redirect("resourcing:vacancies", unit_id=unit.pk)
            if "fill_vacancy" in request.POST and fill_form.is_valid():
                vacancy = get_object_or_404(Vacancy.objects.filter(unit=unit), pk=fill_form.cleaned_data["vacancy"])
                services.vacancy_fill(actor=user, vacancy=vacancy, filled_on=fill_form.cleaned_data["filled_on"])
                messages.success(request, "Vacancy marked filled.")
                return redirect("resourcing:vacancies", unit_id=unit.pk)
        except CaseworkError as error:
            _fail(fill_form if "fill_vacancy" in request.POST else form, error)
    report = reports.unit_report(unit, on=clock.today())
    # One "mark filled" form per open vacancy, each with its own ids so an error links to its row.
    fill_rows = [
        (
            vacancy,
            fill_form
            if filling and str(vacancy.pk) == request.POST.get("vacancy")
            else forms.VacancyFillForm(
                auto_id=f"filled-{vacancy.pk}-%s", initial={"vacancy": vacancy.pk, "filled_on": clock.today()}
            ),
        )
        for vacancy in report.vacancies
    ]
    return render(
        request,
        "resourcing/vacancies.html",
        {
            "unit": unit,
            "report": report,
            "fill_rows": fill_rows,
            "filled": Vacancy.objects.filter(unit=unit, filled_on__isnull=False).select_related("grade")[:50],
            "form": form,
            "fill_form": fill_form,
            "manages": manages,
            "today": clock.today(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def timesheet(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Bulk entry of recorded time from a timesheet CSV: the unit's managers only."""
    user, unit, manages = _managed_unit(request, unit_id)
    if not manages:
        raise DjangoPermissionDenied("Only a legal manager or unit head of the unit records its timesheets.")
    form = forms.TimesheetForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = timesheets.timesheet_import(actor=user, unit=unit, content=form.cleaned_data["file"].read())
        except CaseworkError as error:
            _fail(form, error)
    return render(request, "resourcing/timesheet.html", {"unit": unit, "form": form, "result": result})
