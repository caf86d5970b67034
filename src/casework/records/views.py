"""Records management pages: the retention dashboard, the review list and one record's review,
legal holds, restricted records, the disposal log and the schedule in force.

Who reaches them: records officers and unit heads (their unit), Area leadership (their Area),
inspectors and HQ (every unit). Anyone else gets "page not found". Deciding a record's fate is the
records officer's; a legal hold, the records officer's or the unit head's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from casework.cases import services as case_services
from casework.cases.models import Case
from casework.core import clock
from casework.core.errors import CaseworkError, NotFound
from casework.core.forms import apply_service_error
from casework.core.spreadsheets import CONTENT_TYPES
from casework.core.views import http_error_for
from casework.oversight.forms import DisclosureForm
from casework.people.choices import RESTRICTED_READER_ROLES
from casework.records import exports, selectors, services
from casework.records.choices import RecordType
from casework.records.forms import (
    DecisionForm,
    DisposalFilterForm,
    HoldForm,
    HoldLiftForm,
    ReasonForm,
    RestrictForm,
    RestrictionLiftForm,
    ReviewFilterForm,
)
from casework.records.models import DisposalRecord, LegalHold, RetentionDecision

PER_PAGE = 50


def _reader(request: HttpRequest) -> Any:
    user = request.user
    if not selectors.can_read_records(user):
        raise Http404("Page not found.")
    return user


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Every records page: its context plus whether the section navigation offers restricted records."""
    user: Any = request.user
    may_restrict = bool(user.role_codes & RESTRICTED_READER_ROLES and user.unit_id)
    return render(request, template, {"show_restricted": may_restrict, **context}, status=status)


def _raise_page_error(error: CaseworkError) -> None:
    mapped = http_error_for(error)
    if mapped is not None:
        raise mapped from error


def _query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string without the named parameters (for pagination and sort links)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _page(request: HttpRequest, rows: Any) -> Any:
    try:
        number = max(1, min(int(request.GET.get("page", "1")), 100_000))
    except ValueError:
        number = 1
    return Paginator(rows, PER_PAGE).get_page(number)


@login_required
@require_http_methods(["GET", "HEAD"])
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    figures = selectors.dashboard(user=user)
    most = max((count for _, count in figures.disposed_by_quarter), default=0)
    chart = [
        {"quarter": quarter, "count": count, "percent": round(100 * count / most) if most else 0}
        for quarter, count in figures.disposed_by_quarter
    ]
    return _render(
        request,
        "records/dashboard.html",
        {
            "figures": figures,
            "chart": chart,
            "is_officer": selectors.is_records_officer_for(user, user.unit_id),
            "restricted_count": selectors.restricted_cases_for(user=user).count(),
            "holds_count": selectors.holds_for(user=user).count(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def review_list(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    form = ReviewFilterForm(request.GET or None)
    items = selectors.review_list(user=user)
    if form.is_valid():
        states = form.cleaned_data["state"]
        if states:
            items = [item for item in items if item.state in states]
        if form.cleaned_data["record_type"]:
            items = [item for item in items if item.record_type == form.cleaned_data["record_type"]]
        if text := form.cleaned_data["q"].strip().lower():
            items = [item for item in items if text in item.label.lower()]
    sort = request.GET.get("sort", "due")
    if sort == "record":
        items.sort(key=lambda item: item.label)
    page = _page(request, items)
    return _render(
        request,
        "records/review_list.html",
        {
            "form": form,
            "page": page,
            "count": len(items),
            "sort": sort,
            "query": _query_without(request, "page"),
            "filters": _query_without(request, "page", "sort"),
        },
    )


def _item(user: Any, record_type: str, record_id: str) -> selectors.RetentionItem:
    item = (
        selectors.retention_item(record_type=record_type, record_id=record_id)
        if record_type in RecordType.values
        else None
    )
    if item is None or not selectors.item_visible(user, item):
        raise Http404("Page not found.")
    return item


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_detail(request: HttpRequest, record_type: str, record_id: str) -> HttpResponse:
    user = _reader(request)
    item = _item(user, record_type, record_id)
    which = request.POST.get("form")
    # Each form on the page has its own ids, so an error links to the right "reason" box.
    decision_form = DecisionForm(request.POST if which == "decision" else None, auto_id="decision-%s")
    hold_form = HoldForm(request.POST if which == "hold" else None, auto_id="hold-%s")
    if request.method == "POST":
        done = _review_post(request, user, item, decision_form, hold_form)
        if done:
            return redirect("records:review_detail", record_type=record_type, record_id=record_id)
    return _review_page(request, user, item, decision_form=decision_form, hold_form=hold_form)


def _lift_form(hold_id: int, data: Any = None) -> HoldLiftForm:
    return HoldLiftForm(data, auto_id=f"lift-{hold_id}-%s")


def _review_page(
    request: HttpRequest,
    user: Any,
    item: selectors.RetentionItem,
    *,
    decision_form: DecisionForm | None = None,
    hold_form: HoldForm | None = None,
    lift_form: tuple[int, HoldLiftForm] | None = None,
) -> HttpResponse:
    """One record's review page; a form that failed is shown with its errors (status 400)."""
    key = {"record_type": item.record_type, "record_id": item.record_id}
    holds = list(LegalHold.objects.active().filter(**key).select_related("placed_by"))
    lift_forms = {hold.pk: _lift_form(hold.pk) for hold in holds}
    if lift_form is not None:
        lift_forms[lift_form[0]] = lift_form[1]
    failed = [form for form in (decision_form, hold_form, *lift_forms.values()) if form is not None and form.errors]
    return _render(
        request,
        "records/review_detail.html",
        {
            "item": item,
            "decision_form": decision_form or DecisionForm(auto_id="decision-%s"),
            "hold_form": hold_form or HoldForm(auto_id="hold-%s"),
            "lift_forms": lift_forms,
            "failed_forms": failed,
            "may_decide": selectors.is_records_officer_for(user, item.unit_id),
            "may_hold": selectors.may_hold(user, item.unit_id),
            "holds": holds,
            "decisions": RetentionDecision.objects.filter(**key).select_related("decided_by")[:20],
            "disposal": DisposalRecord.objects.filter(**key).first(),
        },
        status=400 if failed else 200,
    )


def _review_post(
    request: HttpRequest, user: Any, item: selectors.RetentionItem, decision_form: DecisionForm, hold_form: HoldForm
) -> bool:
    form = decision_form if request.POST.get("form") == "decision" else hold_form
    if not form.is_valid():
        return False
    try:
        if form is decision_form:
            data = decision_form.cleaned_data
            services.retention_decide(
                actor=user,
                record_type=item.record_type,
                record_id=item.record_id,
                decision=data["decision"],
                reason=data["reason"],
                keep_until=data["keep_until"],
            )
            messages.success(request, "Your decision has been recorded.")
        else:
            data = hold_form.cleaned_data
            services.hold_place(
                actor=user,
                record_type=item.record_type,
                record_id=item.record_id,
                reason=data["reason"],
                until=data["until"],
            )
            messages.success(request, "The legal hold has been placed: the record will not be disposed of.")
    except CaseworkError as error:
        _raise_page_error(error)
        apply_service_error(form, error)
        return False
    return True


@login_required
@require_POST
def hold_lift(request: HttpRequest, hold_id: int) -> HttpResponse:
    user = _reader(request)
    hold = selectors.holds_for(user=user).filter(pk=hold_id).first()
    if hold is None:
        raise Http404("Page not found.")
    form = _lift_form(hold_id, request.POST)
    if form.is_valid():
        try:
            services.hold_lift(actor=user, hold_id=hold_id, reason=form.cleaned_data["reason"])
        except CaseworkError as error:
            _raise_page_error(error)
            apply_service_error(form, error)
        else:
            messages.success(request, f"The legal hold on {hold.label} has been lifted.")
            return redirect("records:review_detail", record_type=hold.record_type, record_id=hold.record_id)
    item = _item(user, hold.record_type, hold.record_id)
    return _review_page(request, user, item, lift_form=(hold_id, form))


@login_required
@require_http_methods(["GET", "HEAD"])
def holds(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    return _render(request, "records/holds.html", {"page": _page(request, selectors.holds_for(user=user))})


@login_required
@require_http_methods(["GET", "HEAD"])
def disposal_log(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    form = DisposalFilterForm(request.GET or None)
    records = selectors.disposal_log(user=user)
    if form.is_valid():
        if form.cleaned_data["record_type"]:
            records = records.filter(record_type=form.cleaned_data["record_type"])
        if text := form.cleaned_data["q"].strip():
            records = records.filter(label__icontains=text)
    return _render(
        request,
        "records/disposal_log.html",
        {
            "form": form,
            "page": _page(request, records),
            "count": records.count(),
            "query": _query_without(request, "page"),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def schedule(request: HttpRequest) -> HttpResponse:
    _reader(request)
    return _render(request, "records/schedule.html", {"rules": selectors.rules_in_force(), "today": clock.today()})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    user = _reader(request)
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        raise Http404("Page not found.")
    form = DisclosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            body = exports.export(
                actor=user,
                kind=kind,
                fmt=fmt,
                justification=form.cleaned_data["justification"],
                recipient=form.cleaned_data["recipient"],
            )
        except CaseworkError as error:
            apply_service_error(form, error)
        else:
            response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
            response["Content-Disposition"] = f'attachment; filename="records-{kind}-{clock.today():%Y%m%d}.{fmt}"'
            return response
    return _render(request, "records/export.html", {"form": form, "title": exports.KINDS[kind], "fmt": fmt.upper()})


# --- restriction of processing (s.47(2)) ---------------------------------------------------------------


def _restricted_reader(request: HttpRequest) -> Any:
    user = request.user
    if not (user.is_authenticated and user.is_active and user.role_codes & RESTRICTED_READER_ROLES and user.unit_id):
        raise Http404("Page not found.")
    return user


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def restricted(request: HttpRequest) -> HttpResponse:
    """Restricted cases of the unit, and the form to restrict one (unit head, records officer)."""
    user = _restricted_reader(request)
    form = RestrictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = Case.objects.filter(urn=form.cleaned_data["urn"].strip().upper(), unit_id=user.unit_id).first()
        try:
            if case is None:
                raise NotFound("No case with that URN in your unit.")
            case_services.case_restrict(actor=user, case_id=case.pk, reason=form.cleaned_data["reason"])
        except CaseworkError as error:
            apply_service_error(form, error)
            if isinstance(error, NotFound):
                form.add_error("urn", "No case with that URN in your unit. Check the URN.")
        else:
            messages.success(request, f"Processing of {case.urn} is restricted: it is hidden from normal work.")
            return redirect("records:restricted")
    return _restricted_page(request, user, form)


def _restriction_lift_form(case: Case, data: Any = None) -> RestrictionLiftForm:
    return RestrictionLiftForm(data, auto_id=f"lift-{case.pk}-%s", case_urn=case.urn)


def _restricted_page(
    request: HttpRequest, user: Any, form: RestrictForm, lift_form: tuple[int, RestrictionLiftForm] | None = None
) -> HttpResponse:
    """The restricted records page; a form that failed is shown with its errors (status 400)."""
    cases = list(selectors.restricted_cases_for(user=user))
    lift_forms = {case.pk: _restriction_lift_form(case) for case in cases}
    if lift_form is not None:
        lift_forms[lift_form[0]] = lift_form[1]
    failed = [f for f in (form, *lift_forms.values()) if f.errors]
    return _render(
        request,
        "records/restricted.html",
        {"form": form, "cases": cases, "lift_forms": lift_forms, "failed_forms": failed},
        status=400 if failed else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def restricted_open(request: HttpRequest, case_id: int) -> HttpResponse:
    """A named reader opens a restricted case, giving the reason; then the case page shows it."""
    user = _restricted_reader(request)
    case = Case.objects.restricted_readable_by(user).filter(pk=case_id).first()
    if case is None:
        raise Http404("Page not found.")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case_services.restricted_reading_open(actor=user, case_id=case.pk, reason=form.cleaned_data["reason"])
        except CaseworkError as error:
            _raise_page_error(error)
            apply_service_error(form, error)
        else:
            return redirect("cases:detail", case_id=case.pk)
    return _render(
        request, "records/restricted_open.html", {"form": form, "case": case}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def restriction_lift(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _restricted_reader(request)
    case = Case.objects.restricted_readable_by(user).filter(pk=case_id).first()
    if case is None:
        raise Http404("Page not found.")
    form = _restriction_lift_form(case, request.POST)
    if form.is_valid():
        try:
            case_services.case_restriction_lift(actor=user, case_id=case.pk, reason=form.cleaned_data["reason"])
        except CaseworkError as error:
            _raise_page_error(error)
            apply_service_error(form, error)
        else:
            messages.success(request, f"The restriction of {case.urn} has been lifted: it is back in normal work.")
            return redirect("records:restricted")
    return _restricted_page(request, user, RestrictForm(), lift_form=(case.pk, form))
