"""Case register pages: lists, the case page, forms for changes, and access outside own work.

Views parse input, call one selector or service, and render. Anything outside the user's view is a
404; a visible case the user may not change is a 403 (HQ, inspectors, area leadership).
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from casework.cases import exports, selectors, services
from casework.cases.activity import case_activity
from casework.cases.form_view import CaseFormView, case_section_url, raise_page_error
from casework.cases.forms import (
    CASE_FK_FIELDS,
    UNASSIGNED,
    BreakGlassForm,
    CaseCreateForm,
    CaseEditForm,
    CaseFilterForm,
    ChargeEditForm,
    ChargeForm,
    DefendantEditForm,
    DefendantForm,
    DocumentForm,
    DocumentReviseForm,
    GrantReviewForm,
    HearingEditForm,
    HearingForm,
    ReviewForm,
    StageChangeForm,
)
from casework.cases.models import Case, CaseDocument, Defendant
from casework.cases.templatetags.case_page import CASE_PAGE_SECTIONS
from casework.core.disclosure import disclosure_or_form, list_or_export
from casework.core.errors import CaseworkError
from casework.core.forms import apply_service_error
from casework.core.params import id_param, page_param
from casework.core.views import page_errors
from casework.people import selectors as people_selectors
from casework.people.choices import CASEWORKER_ROLES, NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode

PER_PAGE = 50


def _user(request: HttpRequest) -> Any:
    """The signed-in user (every view here is behind login_required)."""
    return request.user


# --- lists --------------------------------------------------------------------------------------

#: Sortable columns: column -> (first sort, second sort). CTL expiry and next hearing come from the
#: sorts other apps register (soonest first; a case with none goes last).
SORT_COLUMNS: dict[str, tuple[str | None, str | None]] = {
    "urn": ("urn", "-urn"),
    "operation": ("operation", None),
    "stage": ("stage", None),
    "ctl": ("ctl", None),
    "hearing": ("hearing", None),
    "updated": ("-updated", "updated"),
}
LIST_PARAMS = ("q", "stage", "lawyer", "unit", "sort")


def _list_scope(user: Any, scope: str) -> dict[str, Any]:
    """Who may open which list, and what it is restricted to. Anyone else: 404."""
    roles = user.role_codes
    if scope == "my" and roles & (CASEWORKER_ROLES | UNIT_MANAGER_ROLES):
        return {"title": "My cases", "mine": True, "unit_id": None, "lawyer_unit_id": None, "export": "Own cases"}
    if scope == "unit":
        if roles & UNIT_MANAGER_ROLES and user.unit_id:
            unit_id = user.unit_id
        elif RoleCode.AREA_LEADERSHIP in roles and user.area_id:
            unit_id = user.area.unit_id
        else:
            raise Http404("Page not found.")
        return {"title": "Unit cases", "mine": False, "unit_id": unit_id, "lawyer_unit_id": unit_id, "export": "Unit"}
    if scope == "all" and roles & NATIONAL_READ_ROLES:
        return {"title": "All cases", "mine": False, "unit_id": None, "lawyer_unit_id": None, "export": "National"}
    raise Http404("Page not found.")


def _query(params: list[tuple[str, str]], **changes: Any) -> str:
    """The list's query string with some parameters replaced (None removes them)."""
    kept = [(key, value) for key, value in params if key not in changes and value not in (None, "")]
    kept += [(key, str(value)) for key, value in changes.items() if value not in (None, "")]
    return "?" + urlencode(kept) if kept else "?"


def _sort_headers(params: list[tuple[str, str]], sort: str) -> dict[str, dict[str, Any]]:
    """Column headers with the next sort link and aria-sort for the current one."""
    headers = {}
    for column, (first, second) in SORT_COLUMNS.items():
        next_sort: str | None
        if sort == first:
            aria, next_sort = ("descending" if column == "updated" else "ascending"), second or first
        elif sort == second:
            aria, next_sort = ("ascending" if column == "updated" else "descending"), first
        else:
            aria, next_sort = "none", first
        headers[column] = {"column": column, "aria_sort": aria, "href": _query(params, sort=next_sort, page=None)}
    return headers


def _list_params(request: HttpRequest, form: CaseFilterForm) -> list[tuple[str, str]]:
    names = set(LIST_PARAMS) | set(form.fields)
    return [(key, value) for key in request.GET for value in request.GET.getlist(key) if key in names and value]


def _selected_filters(
    form: CaseFilterForm, cleaned: dict[str, Any], params: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """The MoJ filter's "selected filters": one removable tag per chosen option, by group."""
    groups = []
    for field in form.checkbox_groups():
        chosen = cleaned.get(field.name) or []
        labels = dict(field.field.choices)  # type: ignore[attr-defined]
        if chosen:
            tags = []
            for value in chosen:
                rest = [(k, v) for k, v in params if not (k == field.name and v == value) and k != "page"]
                tags.append({"label": labels.get(value, value), "href": "?" + urlencode(rest) if rest else "?"})
            groups.append({"legend": field.label, "tags": tags})
    if cleaned.get("q"):
        rest = [(k, v) for k, v in params if k not in ("q", "page")]
        groups.append(
            {"legend": "Search", "tags": [{"label": cleaned["q"], "href": "?" + urlencode(rest) if rest else "?"}]}
        )
    return groups


def _case_filters(settings: dict[str, Any], cleaned: dict[str, Any], sort: str) -> selectors.CaseFilters:
    from casework.cases import list_options

    unit = cleaned.get("unit")
    lawyers = cleaned.get("lawyer") or []
    return selectors.CaseFilters(
        unit_id=settings["unit_id"] or (unit.pk if unit else None),
        stages=tuple(cleaned.get("stage") or ()),
        lawyer_ids=tuple(int(value) for value in lawyers if value.isdigit()),
        unassigned=UNASSIGNED in lawyers,
        text=cleaned.get("q") or "",
        mine=settings["mine"],
        sort=sort,
        choices=tuple(
            (group.name, tuple(cleaned.get(group.name) or ()))
            for group in list_options.filter_groups()
            if cleaned.get(group.name)
        ),
    )


class ListRequest(NamedTuple):
    settings: dict[str, Any]
    form: CaseFilterForm
    cleaned: dict[str, Any]
    sort: str
    filters: selectors.CaseFilters


def list_request(user: Any, scope: str, query: QueryDict) -> ListRequest:
    """The list a user asks for with a query string: who may open it (Http404 otherwise), the
    filter form, and the CaseFilters it gives. Background exports call it again when they run, so
    the file holds the list as the user may see it then."""
    settings = _list_scope(user, scope)
    show_unit = scope == "all"
    lawyer_unit_id = settings["lawyer_unit_id"] or (id_param(query.get("unit")) if show_unit else None)
    form = CaseFilterForm(query or None, lawyer_unit_id=lawyer_unit_id, show_unit=show_unit)
    cleaned: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    sort: str = query.get("sort") or selectors.DEFAULT_SORT
    if sort not in selectors.sort_keys():
        sort = selectors.DEFAULT_SORT
    return ListRequest(settings, form, cleaned, sort, _case_filters(settings, cleaned, sort))


@login_required
@list_or_export
def case_list(request: HttpRequest, scope: str, export: bool = False) -> HttpResponseBase:
    user = _user(request)
    settings, form, cleaned, sort, filters = list_request(user, scope, request.GET)
    params = _list_params(request, form)
    if export:
        disclosure = disclosure_or_form(
            request, what=f"{settings['title'].lower()} (CSV)", back_href=reverse(f"cases:{scope}") + _query(params)
        )
        if isinstance(disclosure, HttpResponse):
            return disclosure
        try:
            lines = exports.case_list_export(
                actor=user, filters=filters, purpose=disclosure.purpose, recipient=disclosure.recipient
            )
        except exports.ExportTooLarge as error:
            messages.error(request, error.message)
            return redirect(reverse(f"cases:{scope}") + _query(params))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="casework-{scope}-cases.csv"'
        return response

    result = selectors.case_numbered_page(
        user=user, filters=filters, page=page_param(request.GET.get("page")), per_page=PER_PAGE
    )
    # The list shows each case's URN, operation and lawyer: a consultation of every case on the page.
    services.cases_consulted(actor=user, purpose=f"Case list ({settings['title']})", cases=result.cases)
    selected = _selected_filters(form, cleaned, params)
    return render(
        request,
        "cases/list.html",
        {
            "title": settings["title"],
            "scope": scope,
            "form": form,
            "cases": result.cases,
            "result": result,
            "page": result.page,
            "page_links": [
                {
                    "number": n,
                    "href": _query(params, page=n if n > 1 else None) if n else "",
                    "current": n == result.page,
                }
                for n in _page_numbers(result.page, result.pages)
            ],
            "previous_href": _query(params, page=result.page - 1 if result.page > 2 else None)
            if result.page > 1
            else "",
            "next_href": _query(params, page=result.page + 1) if result.page < result.pages else "",
            "headers": _sort_headers(params, sort),
            "export_href": reverse(f"cases:{scope}_export") + _query(params, page=None),
            "background_export_href": reverse("exports:new", args=[f"cases-{scope}"]) + _query(params, page=None),
            "can_create": bool(user.role_codes & (CASEWORKER_ROLES | UNIT_MANAGER_ROLES)) and bool(user.unit_id),
            "can_find": bool(user.role_codes & CASEWORKER_ROLES) and bool(user.unit_id),
            "selected": selected,
            "filtered": bool(selected) or bool(cleaned.get("unit")),
            "sort": sort,
        },
    )


def _page_numbers(page: int, pages: int) -> list[int | None]:
    """Numbered pagination: first, last, and the pages either side of the current one (None: a gap)."""
    wanted = sorted({1, pages, *range(max(page - 2, 1), min(page + 2, pages) + 1)})
    numbers: list[int | None] = []
    for number in wanted:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


# --- the case page -----------------------------------------------------------------------------


def _timeline(case_id: int) -> list[Any]:
    """The case's latest audit events (the case is already known to be visible to the user)."""
    try:
        from casework.audit.selectors import case_timeline
    except ImportError:  # the audit app's selector; read the trail directly until it is present
        from casework.audit.models import AuditEvent

        return list(AuditEvent.objects.filter(case_id=case_id).order_by("-seq")[:50])
    return list(case_timeline(case_id=case_id, limit=50))


def _section_links(case_id: int, current: str) -> list[dict[str, Any]]:
    return [
        {"slug": slug, "label": label, "href": case_section_url(case_id, slug), "current": slug == current}
        for slug, label in CASE_PAGE_SECTIONS
    ]


@login_required
@require_http_methods(["GET", "HEAD"])
def case_detail(request: HttpRequest, case_id: int, section: str = "overview") -> HttpResponse:
    sections = dict(CASE_PAGE_SECTIONS)
    if section not in sections:
        raise Http404("Page not found.")
    with page_errors():
        case = services.case_open(actor=_user(request), case_id=case_id)
    can_edit = Case.objects.editable_by(_user(request)).filter(pk=case.pk).exists()
    # One query decides which of the case's staff the viewer may open, to link their names.
    staff_ids = [
        case.allocated_lawyer_id,
        case.deputy_lawyer_id,
        case.paralegal_id,
        case.legal_manager_id,
        case.accepted_by_id,
    ]
    context: dict[str, Any] = {
        "case": case,
        "can_edit": can_edit,
        "section": section,
        "section_label": sections[section],
        "section_links": _section_links(case.pk, section),
        "visible_people": people_selectors.visible_person_ids(viewer=_user(request), person_ids=staff_ids),
        **selectors.case_detail_related(case, section),
    }
    if section == "activity":
        context["activity"] = case_activity(case_id=case.pk)
        context["timeline"] = _timeline(case.pk)
    return render(request, "cases/detail.html", context)


# --- changing a case ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not (user.role_codes & (CASEWORKER_ROLES | UNIT_MANAGER_ROLES)) or not user.unit_id:
        raise Http404("Page not found.")
    form = CaseCreateForm(request.POST if request.method == "POST" else None, unit=user.unit)
    if request.method == "POST" and not form.is_valid():
        _add_rule_errors(form, unit_id=user.unit_id, urn=form.cleaned_data.get("urn"))
    elif request.method == "POST":
        try:
            case = services.case_create(
                actor=user, unit_id=user.unit_id, urn=form.cleaned_data["urn"], **form.service_values()
            )
        except CaseworkError as error:
            raise_page_error(error)
            apply_service_error(form, error)
        else:
            messages.success(request, f"Case {case.urn} recorded.")
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/case_form.html", {"form": form, "title": "Record a new case", "case": None})


def _add_rule_errors(form: Any, *, unit_id: int, case: Case | None = None, urn: str | None = None) -> None:
    """A form that could not parse every field still shows the case rules' verdict on the fields it
    could, so the user sees every problem at once (the rules stay the service's)."""
    field_of = {CASE_FK_FIELDS.get(name, name): name for name in form.fields}
    parsed = {
        attname: value
        for attname, value in form.service_values().items()
        if attname in services.CASE_EDITABLE_FIELDS and field_of.get(attname) in form.cleaned_data
    }
    problems = services.case_problems(unit_id=unit_id, values=parsed, case=case, urn=urn)
    apply_service_error(form, CaseworkError("", field_errors=problems))


class CaseEditView(CaseFormView):
    """The case's own details (URN aside): the Overview shows them."""

    form_class = CaseEditForm
    template_name = "cases/case_form.html"
    section = "overview"

    def setup_objects(self, **kwargs: Any) -> None:
        self.record = self.case
        self.title = f"Change case details: {self.case.urn}"

    def form_kwargs(self) -> dict[str, Any]:
        return {"unit": self.case.unit}

    def add_problems(self, form: Any) -> None:
        _add_rule_errors(form, unit_id=self.case.unit_id, case=self.case)

    def perform(self, form: Any) -> str:
        changes = services.case_update(
            actor=self.user, case=self.case, expected_version=form.cleaned_data["version"], **form.service_values()
        )
        return "Case details saved." if changes else "No changes to save."


class StageChangeView(CaseFormView):
    form_class = StageChangeForm
    title = "Change the stage"
    submit_label = "Change stage"
    section = "overview"

    def form_kwargs(self) -> dict[str, Any]:
        return {"case": self.case}

    def initial(self) -> dict[str, Any]:
        return {"version": self.case.version}

    def perform(self, form: Any) -> str:
        data = form.cleaned_data
        case = services.case_change_stage(
            actor=self.user,
            case=self.case,
            expected_version=data["version"],
            stage=data["stage"],
            reason=data["reason"],
        )
        return f"Stage changed to {case.get_stage_display()}."


class DefendantAddView(CaseFormView):
    form_class = DefendantForm
    title = "Add a defendant"
    submit_label = "Add defendant"
    section = "defendants"

    def perform(self, form: Any) -> str:
        defendant = services.defendant_add(actor=self.user, case=self.case, **form.cleaned_data)
        return f"Defendant {defendant} added."


class ChargeAddView(CaseFormView):
    form_class = ChargeForm
    submit_label = "Add charge"
    section = "defendants"

    def setup_objects(self, **kwargs: Any) -> None:
        defendant = Defendant.objects.filter(case=self.case, pk=kwargs["defendant_id"]).first()
        if defendant is None:
            raise Http404("Defendant not found.")
        defendant.case = self.case
        self.defendant: Defendant = defendant
        self.title = f"Add a charge for {self.defendant}"

    def perform(self, form: Any) -> str:
        charge = services.charge_add(actor=self.user, defendant=self.defendant, **form.cleaned_data)
        return f"Charge “{charge.offence}” added."


class HearingAddView(CaseFormView):
    form_class = HearingForm
    title = "Add a hearing"
    submit_label = "Add hearing"
    section = "hearings"

    def perform(self, form: Any) -> str:
        hearing = services.hearing_add(actor=self.user, case=self.case, **form.cleaned_data)
        return f"{hearing.get_hearing_type_display()} added."


class DefendantEditView(CaseFormView):
    form_class = DefendantEditForm
    submit_label = "Save changes"
    section = "defendants"

    def setup_objects(self, **kwargs: Any) -> None:
        defendant = selectors.defendant_in_case(case=self.case, pk=kwargs["defendant_id"])
        self.record = self.defendant = _part_or_404(defendant)
        self.title = f"Change details of {self.defendant}"

    def perform(self, form: Any) -> str:
        edit = cast(DefendantEditForm, form)
        changes = services.defendant_update(
            actor=self.user,
            defendant=self.defendant,
            expected_version=edit.cleaned_data["version"],
            **edit.service_values(),
        )
        return f"Details of {self.defendant} saved." if changes else "No changes to save."


class ChargeEditView(CaseFormView):
    form_class = ChargeEditForm
    submit_label = "Save changes"
    section = "defendants"

    def setup_objects(self, **kwargs: Any) -> None:
        charge = selectors.charge_in_case(case=self.case, defendant_id=kwargs["defendant_id"], pk=kwargs["charge_id"])
        self.record = self.charge = _part_or_404(charge)
        self.title = f"Change a charge against {self.charge.defendant}"

    def perform(self, form: Any) -> str:
        edit = cast(ChargeEditForm, form)
        changes = services.charge_update(
            actor=self.user,
            charge=self.charge,
            expected_version=edit.cleaned_data["version"],
            **edit.service_values(),
        )
        return f"Charge “{self.charge.offence}” saved." if changes else "No changes to save."


class HearingEditView(CaseFormView):
    form_class = HearingEditForm
    title = "Change a hearing"
    submit_label = "Save changes"
    section = "hearings"

    def setup_objects(self, **kwargs: Any) -> None:
        self.record = self.hearing = _part_or_404(selectors.hearing_in_case(case=self.case, pk=kwargs["hearing_id"]))

    def perform(self, form: Any) -> str:
        edit = cast(HearingEditForm, form)
        changes = services.hearing_update(
            actor=self.user,
            hearing=self.hearing,
            expected_version=edit.cleaned_data["version"],
            **edit.service_values(),
        )
        return f"{self.hearing.get_hearing_type_display()} saved." if changes else "No changes to save."


def _part_or_404(part: Any) -> Any:
    if part is None:
        raise Http404("Not found.")
    return part


class DocumentAddView(CaseFormView):
    form_class = DocumentForm
    title = "Add a document"
    submit_label = "Add document"
    section = "material"

    def perform(self, form: Any) -> str:
        data = dict(form.cleaned_data)
        metadata = {"has_disclosure_strategy": data.pop("has_disclosure_strategy", False)}
        document = services.document_add(actor=self.user, case=self.case, metadata=metadata, **data)
        return f"{document} added."


class DocumentReviseView(CaseFormView):
    form_class = DocumentReviseForm
    submit_label = "Save new version"
    section = "material"

    def setup_objects(self, **kwargs: Any) -> None:
        document = CaseDocument.objects.filter(case=self.case, pk=kwargs["document_id"]).first()
        if document is None:
            raise Http404("Document not found.")
        document.case = self.case
        self.document: CaseDocument = document
        self.title = f"Revise {self.document}"

    def initial(self) -> dict[str, Any]:
        latest = self.document.versions.order_by("-number").first()
        return DocumentReviseForm.initial_for(
            self.document, latest.body if latest else "", latest.metadata if latest else None
        )

    def perform(self, form: Any) -> str:
        data = form.cleaned_data
        version = services.document_revise(
            actor=self.user,
            document=self.document,
            expected_version=data["version"],
            body=data["body"],
            rationale=data["rationale"],
            metadata={"has_disclosure_strategy": data["has_disclosure_strategy"]},
        )
        return f"Version {version.number} of {self.document.title} saved."


class ReviewAddView(CaseFormView):
    form_class = ReviewForm
    title = "Record a case review"
    submit_label = "Record review"
    section = "reviews"

    def perform(self, form: Any) -> str:
        review = services.review_add(actor=self.user, case=self.case, **form.cleaned_data)
        return f"{review.get_kind_display()} recorded."


# --- access outside own work -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_find(request: HttpRequest) -> HttpResponse:
    """Break-glass: a caseworker opens a case in their unit that is not allocated to them."""
    if not (_user(request).role_codes & CASEWORKER_ROLES) or not _user(request).unit_id:
        raise Http404("Page not found.")
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_break_glass(
                actor=_user(request), urn=form.cleaned_data["urn"], justification=form.cleaned_data["justification"]
            )
        except CaseworkError as error:
            # A URN outside the unit is reported on the form, in the same words as a missing one.
            if error.field_errors:
                apply_service_error(form, error)
            else:
                form.add_error("urn", error.message)
        else:
            messages.info(request, "Your reason has been recorded. A manager in the unit will review it.")
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/find.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD"])
def access_grants(request: HttpRequest) -> HttpResponse:
    if not (_user(request).role_codes & UNIT_MANAGER_ROLES) or not _user(request).unit_id:
        raise Http404("Page not found.")
    grants = list(selectors.access_grants_for_review(user=_user(request)))
    services.cases_consulted(
        actor=_user(request), purpose="Access reviews", case_ids=[grant.case_id for grant in grants]
    )
    return render(request, "cases/access_grants.html", {"grants": grants, "review_forms": _review_forms(grants)})


def _review_forms(grants: list[Any], bound: GrantReviewForm | None = None, grant_id: int = 0) -> dict[int, Any]:
    """One review form per grant, each with its own ids, so an error links to that grant's box."""
    forms_by_grant = {grant.pk: GrantReviewForm(auto_id=f"grant-{grant.pk}-%s") for grant in grants}
    if bound is not None:
        forms_by_grant[grant_id] = bound
    return forms_by_grant


@login_required
@require_POST
def access_grant_review(request: HttpRequest, grant_id: int) -> HttpResponse:
    if not (_user(request).role_codes & UNIT_MANAGER_ROLES) or not _user(request).unit_id:
        raise Http404("Page not found.")
    # Each grant has its own note box: the error summary must link to this grant's box.
    form = GrantReviewForm(request.POST, auto_id=f"grant-{grant_id}-%s")
    if not form.is_valid():
        grants = list(selectors.access_grants_for_review(user=_user(request)))
        return render(
            request,
            "cases/access_grants.html",
            {"grants": grants, "form": form, "review_forms": _review_forms(grants, form, grant_id)},
            status=400,
        )
    with page_errors():
        services.access_grant_review(actor=_user(request), grant_id=grant_id, note=form.cleaned_data["note"])
    messages.success(request, "Access marked as reviewed.")
    return redirect("cases:access_grants")
