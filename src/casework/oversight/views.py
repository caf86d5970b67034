"""Oversight pages: the dashboard (unit, Area, national), the cases behind a number, inspection
samples and the s.62 export. Views parse input, call one selector or service, and render."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.core import clock
from casework.core.errors import ValidationFailed
from casework.core.forms import apply_service_error
from casework.core.params import id_param, page_param
from casework.core.spreadsheets import CONTENT_TYPES
from casework.core.views import page_errors
from casework.oversight import dashboard as reads
from casework.oversight import evidence, exports, s62, selectors, services
from casework.oversight.forms import DisclosureForm, EvidencePackForm, ExamineForm, S62Form, SampleForm
from casework.oversight.scope import OversightScope, resolve_scope
from casework.people.choices import UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import Area, Unit, User

DRILL_PAGE_SIZE = 50
TREND_BAR_WIDTH = 48


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name) or ""
    if not raw:
        return None
    number = id_param(raw)
    if number is None:
        raise Http404("Page not found.")
    return number


def scope_from(request: HttpRequest) -> OversightScope:
    with page_errors():
        return resolve_scope(
            user=request.user, unit_id=_int_param(request, "unit"), area_id=_int_param(request, "area")
        )


def _trend_bars(trend: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bar geometry for the SVG trend chart (percent of a 100-unit-high plot)."""
    return [
        {**point, "x": i * TREND_BAR_WIDTH + 4, "height": point["percent"] or 0, "y": 100 - (point["percent"] or 0)}
        for i, point in enumerate(trend)
    ]


@login_required
@require_http_methods(["GET", "HEAD"])
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_from(request)
    data = reads.dashboard(user=request.user, scope=scope)
    return render(
        request,
        "oversight/dashboard.html",
        {
            "data": data,
            "scope": scope,
            "scope_query": urlencode(scope.query),
            "trend_bars": _trend_bars(data.trend),
            "chart_width": TREND_BAR_WIDTH * len(data.trend) + 8,
            "all_units": Unit.objects.order_by("name") if scope.can_choose else [],
            "all_areas": Area.objects.order_by("name") if scope.can_choose else [],
            "ctl_warning_days": reads.CTL_WARNING_DAYS,
            # Numbers that count items (limits, deadlines) open the shared list of those items.
            "workday_lists": WORKDAY_LISTS,
            "access_reviews_due": _access_reviews_due(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def dashboard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The dashboard's tables as XLSX or CSV: a form asks why and for whom, then the file (audited)."""
    if fmt not in exports.FORMATS:
        raise Http404("Page not found.")
    scope = scope_from(request)
    form = DisclosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = reads.dashboard(user=request.user, scope=scope)
        try:
            body = exports.export_dashboard(
                actor=request.user,
                data=data,
                fmt=fmt,
                justification=form.cleaned_data["justification"],
                recipient=form.cleaned_data["recipient"],
            )
        except ValidationFailed as error:
            apply_service_error(form, error)
        else:
            response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
            response["Content-Disposition"] = f'attachment; filename="oversight-dashboard-{clock.today():%Y%m%d}.{fmt}"'
            return response
    return render(
        request,
        "oversight/export.html",
        {"form": form, "scope": scope, "fmt": fmt.upper(), "scope_query": urlencode(scope.query)},
    )


def _access_reviews_due(user: Any) -> int | None:
    """Unreviewed break-glass grants in a unit manager's unit (the queue lives in cases), or None
    for anyone without that queue, so the dashboard links to it only for them."""
    if not (user.role_codes & UNIT_MANAGER_ROLES) or not user.unit_id:
        return None
    return case_selectors.access_grants_for_review(user=user).filter(reviewed_at__isnull=True).count()


#: Oversight metrics that count items, and the shared list (workday figure) of exactly those items.
WORKDAY_LISTS = {
    "deadlines-overdue": "deadlines-overdue",
    "ctl-expiring": "ctl-within-28",
    "ctl-expired": "ctl-expired",
    "ctl-failures": "ctl-failures",
}


@login_required
@require_http_methods(["GET", "HEAD"])
def drill(request: HttpRequest, metric: str) -> HttpResponse:
    """The cases behind one number; only cases this user can open are listed (visible_to)."""
    if metric not in reads.DRILL_METRICS:
        raise Http404("Page not found.")
    scope = scope_from(request)
    rule_code = request.GET.get("rule", "")[:60]
    page = page_param(request.GET.get("page"))
    offset = (page - 1) * DRILL_PAGE_SIZE
    rows = list(
        reads.drill_cases(user=request.user, scope=scope, metric=metric, rule_code=rule_code)[
            offset : offset + DRILL_PAGE_SIZE + 1
        ]
    )
    query = {**scope.query, **({"rule": rule_code} if rule_code else {})}
    return render(
        request,
        "oversight/drill.html",
        {
            "scope": scope,
            "title": reads.DRILL_METRICS[metric],
            "rule_code": rule_code,
            "cases": rows[:DRILL_PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > DRILL_PAGE_SIZE,
            "next_query": urlencode({**query, "page": page + 1}),
            "prev_query": urlencode({**query, "page": page - 1}),
            "scope_query": urlencode(scope.query),
        },
    )


# --- inspection samples --------------------------------------------------------------------------


def _inspector_only(request: HttpRequest) -> None:
    if RoleCode.INSPECTOR not in getattr(request.user, "role_codes", frozenset()):  # samples are the inspectorate's
        raise Http404("Page not found.")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def samples(request: HttpRequest) -> HttpResponse:

    _inspector_only(request)
    form = SampleForm(request.POST or None, units=services.sample_units(cast(User, request.user)))
    if request.method == "POST" and form.is_valid():
        try:
            sample = services.sample_draw(
                actor=cast(User, request.user),
                title=form.cleaned_data["title"],
                seed=form.cleaned_data["seed"],
                per_unit=form.cleaned_data["per_unit"],
                unit_ids=[unit.pk for unit in form.cleaned_data["units"]],
            )
        except ValidationFailed as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"Sample drawn: {sample.files.count()} files.")
            return redirect("oversight:sample", sample_id=sample.pk)
    return render(request, "oversight/samples.html", {"form": form, "samples": selectors.samples_for(request.user)})


@login_required
@require_http_methods(["GET", "HEAD"])
def sample(request: HttpRequest, sample_id: int) -> HttpResponse:

    with page_errors():
        found = selectors.sample_visible(user=request.user, sample_id=sample_id)
    return render(
        request,
        "oversight/sample.html",
        {"sample": found, "files": selectors.sample_files(found), "results": selectors.results(found)},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def examine(request: HttpRequest, sample_id: int, file_id: int) -> HttpResponse:
    """One sampled file: open the case (a logged consultation) and answer the question set."""

    with page_errors():
        sampled = selectors.sampled_file_visible(user=request.user, sample_id=sample_id, file_id=file_id)
    questions = sampled.sample.question_set.questions
    form = ExamineForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            with page_errors():
                changed = services.answers_record(
                    actor=cast(User, request.user), sampled_file=sampled, answers=form.answers()
                )
        except ValidationFailed as failure:
            apply_service_error(form, failure)
        else:
            saved = f"{len(form.answers())} answer{'' if len(form.answers()) == 1 else 's'} saved"
            messages.success(
                request,
                f"{saved} for {sampled.case.urn}." if changed else f"No changes to save for {sampled.case.urn}.",
            )
            return redirect("oversight:sample", sample_id=sample_id)
    if request.method != "POST":
        with page_errors():
            case_services.case_open(
                actor=cast(User, request.user),
                case_id=sampled.case_id,
                justification=f"Inspection file examination: {sampled.sample.title}",
            )
        form.initial = ExamineForm.initial_for(sampled.answers.all())
    return render(request, "oversight/examine.html", {"sampled": sampled, "form": form})


# --- evidence packs ------------------------------------------------------------------------------


def _pack(request: HttpRequest, *, title: str, name: str, cases: list, back_url: str) -> HttpResponse:
    """The evidence pack form; `name` (a case's URN or a sample's title) names the downloaded file."""
    form = EvidencePackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fmt = form.cleaned_data["fmt"]
        try:
            body = evidence.evidence_pack(
                actor=request.user,
                cases=cases,
                title=title,
                fmt=fmt,
                justification=form.cleaned_data["justification"],
                recipient=form.cleaned_data["recipient"],
            )
        except ValidationFailed as error:
            apply_service_error(form, error)
        else:
            response = HttpResponse(body, content_type=evidence.CONTENT_TYPES[fmt])
            response["Content-Disposition"] = (
                f'attachment; filename="{evidence.pack_filename(name, clock.today(), fmt)}"'
            )
            return response
    return render(request, "oversight/pack.html", {"form": form, "title": title, "cases": cases, "back_url": back_url})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def pack_case(request: HttpRequest, case_id: int) -> HttpResponse:
    with page_errors():
        cases = evidence.cases_for_case(user=request.user, case_id=case_id)
    return _pack(
        request, title=f"Evidence pack: {cases[0].urn}", name=cases[0].urn, cases=cases, back_url=f"/cases/{case_id}/"
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def pack_sample(request: HttpRequest, sample_id: int) -> HttpResponse:
    with page_errors():
        found, cases = evidence.cases_for_sample(user=request.user, sample_id=sample_id)
    return _pack(
        request,
        title=f"Evidence pack: {found.title}",
        name=found.title,
        cases=cases,
        back_url=f"/oversight/samples/{sample_id}/",
    )


# --- s.62 log exports ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def s62_export(request: HttpRequest) -> HttpResponseBase:
    with page_errors():
        s62.require_audit_role(request.user)
    form = S62Form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        query = s62.S62Query(
            person=data["person"], case_urn=data["case_urn"], date_from=data["date_from"], date_to=data["date_to"]
        )
        try:
            events = s62.s62_export_start(
                actor=request.user, query=query, fmt=data["fmt"], justification=data["justification"]
            )
        except ValidationFailed as error:
            apply_service_error(form, error)
        else:
            stamp = f"{clock.today():%Y%m%d}"
            if data["fmt"] == "csv":
                response = StreamingHttpResponse(s62.stream_csv(events), content_type="text/csv; charset=utf-8")
            else:
                response = StreamingHttpResponse(s62.stream_json_lines(events), content_type="application/x-ndjson")
            ext = "csv" if data["fmt"] == "csv" else "jsonl"
            response["Content-Disposition"] = f'attachment; filename="s62-log-{stamp}.{ext}"'
            return response
    return render(request, "oversight/s62.html", {"form": form})
