"""Case register pages: lists, the case page, forms for changes, and access outside own work.

Views parse input, call one selector or service, and render. Anything outside the user's view is a
404; a visible case the user may not change is a 403 (HQ, inspectors, area leadership).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.http import require_http_methods, require_POST

from casework.cases import exports, selectors, services
from casework.cases.forms import (
    CASE_FK_FIELDS,
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
from casework.core.disclosure import disclosure_or_form, list_or_export
from casework.core.errors import CaseworkError, EditConflict
from casework.core.forms import RecordEditForm, apply_service_error, sign_loaded_values
from casework.core.params import id_param, page_param
from casework.core.views import http_error_for, page_errors
from casework.people import selectors as people_selectors
from casework.people.choices import CASEWORKER_ROLES, NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode

PER_PAGE = 50


def _user(request: HttpRequest) -> Any:
    """The signed-in user (every view here is behind login_required)."""
    return request.user


# --- lists --------------------------------------------------------------------------------------

#: Sortable columns: label -> (ascending key, descending key). A key of None means "not offered".
SORT_COLUMNS: dict[str, tuple[str | None, str | None]] = {
    "urn": ("urn", "-urn"),
    "operation": ("operation", None),
    "stage": ("stage", None),
    "updated": ("-updated", "updated"),
}


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


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {key: value for key, value in {**params, **changes}.items() if value not in (None, "")}
    return "?" + urlencode(merged) if merged else "?"


def _sort_headers(params: dict[str, Any], sort: str) -> list[dict[str, Any]]:
    """Column headers with the next sort link and aria-sort for the current one."""
    headers = []
    for column, (ascending, descending) in SORT_COLUMNS.items():
        next_sort: str | None
        if sort == ascending:
            aria, next_sort = ("descending" if column == "updated" else "ascending"), descending or ascending
        elif sort == descending:
            aria, next_sort = ("ascending" if column == "updated" else "descending"), ascending
        else:
            aria, next_sort = "none", ascending
        headers.append({"column": column, "aria_sort": aria, "href": _query(params, sort=next_sort, page=None)})
    return headers


@login_required
@list_or_export
def case_list(request: HttpRequest, scope: str, export: bool = False) -> HttpResponseBase:
    user = _user(request)
    settings = _list_scope(user, scope)
    show_unit = scope == "all"
    lawyer_unit_id = settings["lawyer_unit_id"] or (id_param(request.GET.get("unit")) if show_unit else None)
    form = CaseFilterForm(request.GET or None, lawyer_unit_id=lawyer_unit_id, show_unit=show_unit)
    cleaned: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    sort: str = request.GET.get("sort") or selectors.DEFAULT_SORT
    if sort not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT
    unit = cleaned.get("unit")
    lawyer = cleaned.get("lawyer")
    filters = selectors.CaseFilters(
        unit_id=settings["unit_id"] or (unit.pk if unit else None),
        stage=cleaned.get("stage") or "",
        lawyer_id=lawyer.pk if lawyer else None,
        text=cleaned.get("q") or "",
        mine=settings["mine"],
        sort=sort,
    )
    params = {key: value for key, value in request.GET.items() if key in {"q", "stage", "lawyer", "unit", "sort"}}
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

    page = page_param(request.GET.get("page"))
    cases, has_next = selectors.case_page(user=user, filters=filters, page=page, per_page=PER_PAGE)
    # The list shows each case's URN, operation and lawyer: a consultation of every case on the page.
    services.cases_consulted(actor=user, purpose=f"Case list ({settings['title']})", cases=cases)
    return render(
        request,
        "cases/list.html",
        {
            "title": settings["title"],
            "scope": scope,
            "form": form,
            "cases": cases,
            "page": page,
            "previous_href": _query(params, page=page - 1 if page > 2 else None) if page > 1 else "",
            "next_href": _query(params, page=page + 1) if has_next else "",
            "headers": {h["column"]: h for h in _sort_headers(params, sort)},
            "export_href": reverse(f"cases:{scope}_export") + _query(params, page=None),
            "can_create": bool(user.role_codes & (CASEWORKER_ROLES | UNIT_MANAGER_ROLES)) and bool(user.unit_id),
            "can_find": bool(user.role_codes & CASEWORKER_ROLES) and bool(user.unit_id),
            "filtered": any(params.get(key) for key in ("q", "stage", "lawyer", "unit")),
        },
    )


# --- the case page -----------------------------------------------------------------------------


def _timeline(case_id: int) -> list[Any]:
    """The case's latest audit events (the case is already known to be visible to the user)."""
    try:
        from casework.audit.selectors import case_timeline
    except ImportError:  # the audit app's selector; read the trail directly until it is present
        from casework.audit.models import AuditEvent

        return list(AuditEvent.objects.filter(case_id=case_id).order_by("-seq")[:50])
    return list(case_timeline(case_id=case_id, limit=50))


@login_required
@require_http_methods(["GET", "HEAD"])
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
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
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "can_edit": can_edit,
            "visible_people": people_selectors.visible_person_ids(viewer=_user(request), person_ids=staff_ids),
            "timeline": _timeline(case.pk),
            **selectors.case_detail_related(case),
        },
    )


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
            _raise_page_error(error)
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


def _raise_page_error(error: CaseworkError) -> None:
    mapped = http_error_for(error)
    if mapped is not None:
        raise mapped from error


EditForm = TypeVar("EditForm", bound=RecordEditForm)


def _after_conflict(
    form: EditForm, error: EditConflict, record: Any, rebind: Callable[[QueryDict], EditForm]
) -> tuple[EditForm, list[dict[str, str]]]:
    """After a stale save: what the other person changed, and the form again with the user's entries
    kept but set against the saved record, so submitting again is a deliberate overwrite."""
    rows = form.conflict_rows(error.changed, record)
    saved = type(record)._default_manager.get(pk=record.pk)
    data = cast(QueryDict, form.data).copy()
    data["version"] = str(saved.version)
    data["loaded"] = sign_loaded_values(saved, form.record_attnames())
    again = rebind(data)
    again.is_valid()
    again.add_error(None, error.message)
    return again, rows


def _restore_loaded(form: RecordEditForm, record: Any) -> bool:
    """Give the record the values the user loaded; False (with a form error) if they do not fit it."""
    try:
        form.restore_loaded_state(record)
    except signing.BadSignature:
        form.add_error(None, "This form belongs to another record. Open the page again and re-enter your changes.")
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    with page_errors():
        case = selectors.case_for_change(user=_user(request), case_id=case_id)
    conflict: list[dict[str, str]] | None = None
    if request.method == "POST":
        form = CaseEditForm(request.POST, unit=case.unit)
        if not form.is_valid():
            _add_rule_errors(form, unit_id=case.unit_id, case=case)
        elif _restore_loaded(form, case):
            try:
                changes = services.case_update(
                    actor=_user(request),
                    case=case,
                    expected_version=form.cleaned_data["version"],
                    **form.service_values(),
                )
            except EditConflict as error:
                form, conflict = _after_conflict(form, error, case, lambda data: CaseEditForm(data, unit=case.unit))
            except CaseworkError as error:
                _raise_page_error(error)
                apply_service_error(form, error)
            else:
                messages.success(request, "Case details saved." if changes else "No changes to save.")
                return redirect("cases:detail", case_id=case.pk)
    else:
        with page_errors():
            # The form shows the case's content, so opening it is a consultation like the case page.
            case = services.case_open(actor=_user(request), case_id=case_id)
        form = CaseEditForm(unit=case.unit)
        form.initial = form.initial_for(case)
    return render(
        request,
        "cases/case_form.html",
        {"form": form, "title": f"Change case details: {case.urn}", "case": case, "conflict": conflict},
    )


@method_decorator(login_required, name="dispatch")
class CasePartView(View, ABC):
    """A form that adds or changes one part of a case the user may change."""

    http_method_names = ["get", "post"]
    form_class: type[forms.Form]
    title = ""
    submit_label = "Save"
    section = ""

    #: The record an edit view changes (None for views that add something).
    record: Any = None

    def setup_objects(self, case: Case, **kwargs: Any) -> None:
        """Load sub-records named in the URL (always within the case)."""

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def initial(self) -> dict[str, Any]:
        return {}

    @abstractmethod
    def perform(self, form: forms.Form) -> str:
        """Call the one service this form is for; return the confirmation message shown to the user."""

    def make_form(self, data: Any = None) -> forms.Form:
        return self.form_class(data, **self.form_kwargs())

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with page_errors():
            self.case = selectors.case_for_change(user=_user(request), case_id=kwargs["case_id"])
        self.setup_objects(self.case, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.make_form()
        if isinstance(form, RecordEditForm) and self.record is not None:
            with page_errors():
                # The form shows case content: opening it is a consultation, like the case page.
                services.case_open(actor=_user(request), case_id=self.case.pk)
            form.initial = form.initial_for(self.record)
        else:
            form.initial = self.initial()
        return self.render(form)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.make_form(request.POST)
        conflict: list[dict[str, str]] | None = None
        editing = isinstance(form, RecordEditForm) and self.record is not None
        if form.is_valid() and (not editing or _restore_loaded(cast(RecordEditForm, form), self.record)):
            try:
                message = self.perform(form)
            except EditConflict as error:
                if editing:
                    edit_form = cast(RecordEditForm, form)
                    form, conflict = _after_conflict(
                        edit_form, error, self.record, lambda data: cast(RecordEditForm, self.make_form(data))
                    )
                else:
                    data = request.POST.copy()
                    data["version"] = str(error.current_version)
                    form = self.make_form(data)
                    form.is_valid()
                    form.add_error(None, error.message)
            except CaseworkError as error:
                _raise_page_error(error)
                apply_service_error(form, error)
            else:
                messages.success(request, message)
                # No #section: the success banner at the top of the case page takes focus.
                return redirect(reverse("cases:detail", kwargs={"case_id": self.case.pk}))
        return self.render(form, conflict)

    def render(self, form: forms.Form, conflict: list[dict[str, str]] | None = None) -> HttpResponse:
        return render(
            self.request,
            "cases/part_form.html",
            {
                "form": form,
                "case": self.case,
                "title": self.title,
                "submit_label": self.submit_label,
                "view": self,
                "conflict": conflict,
            },
        )


class StageChangeView(CasePartView):
    form_class = StageChangeForm
    title = "Change the stage"
    submit_label = "Change stage"
    section = "stages"

    def form_kwargs(self) -> dict[str, Any]:
        return {"case": self.case}

    def initial(self) -> dict[str, Any]:
        return {"version": self.case.version}

    def perform(self, form: forms.Form) -> str:
        data = form.cleaned_data
        case = services.case_change_stage(
            actor=_user(self.request),
            case=self.case,
            expected_version=data["version"],
            stage=data["stage"],
            reason=data["reason"],
        )
        return f"Stage changed to {case.get_stage_display()}."


class DefendantAddView(CasePartView):
    form_class = DefendantForm
    title = "Add a defendant"
    submit_label = "Add defendant"
    section = "defendants"

    def perform(self, form: forms.Form) -> str:
        defendant = services.defendant_add(actor=_user(self.request), case=self.case, **form.cleaned_data)
        return f"Defendant {defendant} added."


class ChargeAddView(CasePartView):
    form_class = ChargeForm
    submit_label = "Add charge"
    section = "defendants"

    def setup_objects(self, case: Case, **kwargs: Any) -> None:
        defendant = Defendant.objects.filter(case=case, pk=kwargs["defendant_id"]).first()
        if defendant is None:
            raise Http404("Defendant not found.")
        defendant.case = case
        self.defendant: Defendant = defendant
        self.title = f"Add a charge for {self.defendant}"

    def perform(self, form: forms.Form) -> str:
        charge = services.charge_add(actor=_user(self.request), defendant=self.defendant, **form.cleaned_data)
        return f"Charge “{charge.offence}” added."


class HearingAddView(CasePartView):
    form_class = HearingForm
    title = "Add a hearing"
    submit_label = "Add hearing"
    section = "hearings"

    def perform(self, form: forms.Form) -> str:
        hearing = services.hearing_add(actor=_user(self.request), case=self.case, **form.cleaned_data)
        return f"{hearing.get_hearing_type_display()} added."


class DefendantEditView(CasePartView):
    form_class = DefendantEditForm
    submit_label = "Save changes"
    section = "defendants"

    def setup_objects(self, case: Case, **kwargs: Any) -> None:
        self.record = self.defendant = _part_or_404(selectors.defendant_in_case(case=case, pk=kwargs["defendant_id"]))
        self.title = f"Change details of {self.defendant}"

    def perform(self, form: forms.Form) -> str:
        edit = cast(DefendantEditForm, form)
        changes = services.defendant_update(
            actor=_user(self.request),
            defendant=self.defendant,
            expected_version=edit.cleaned_data["version"],
            **edit.service_values(),
        )
        return f"Details of {self.defendant} saved." if changes else "No changes to save."


class ChargeEditView(CasePartView):
    form_class = ChargeEditForm
    submit_label = "Save changes"
    section = "defendants"

    def setup_objects(self, case: Case, **kwargs: Any) -> None:
        charge = selectors.charge_in_case(case=case, defendant_id=kwargs["defendant_id"], pk=kwargs["charge_id"])
        self.record = self.charge = _part_or_404(charge)
        self.title = f"Change a charge against {self.charge.defendant}"

    def perform(self, form: forms.Form) -> str:
        edit = cast(ChargeEditForm, form)
        changes = services.charge_update(
            actor=_user(self.request),
            charge=self.charge,
            expected_version=edit.cleaned_data["version"],
            **edit.service_values(),
        )
        return f"Charge “{self.charge.offence}” saved." if changes else "No changes to save."


class HearingEditView(CasePartView):
    form_class = HearingEditForm
    title = "Change a hearing"
    submit_label = "Save changes"
    section = "hearings"

    def setup_objects(self, case: Case, **kwargs: Any) -> None:
        self.record = self.hearing = _part_or_404(selectors.hearing_in_case(case=case, pk=kwargs["hearing_id"]))

    def perform(self, form: forms.Form) -> str:
        edit = cast(HearingEditForm, form)
        changes = services.hearing_update(
            actor=_user(self.request),
            hearing=self.hearing,
            expected_version=edit.cleaned_data["version"],
            **edit.service_values(),
        )
        return f"{self.hearing.get_hearing_type_display()} saved." if changes else "No changes to save."


def _part_or_404(part: Any) -> Any:
    if part is None:
        raise Http404("Not found.")
    return part


class DocumentAddView(CasePartView):
    form_class = DocumentForm
    title = "Add a document"
    submit_label = "Add document"
    section = "documents"

    def perform(self, form: forms.Form) -> str:
        data = dict(form.cleaned_data)
        metadata = {"has_disclosure_strategy": data.pop("has_disclosure_strategy", False)}
        document = services.document_add(actor=_user(self.request), case=self.case, metadata=metadata, **data)
        return f"{document} added."


class DocumentReviseView(CasePartView):
    form_class = DocumentReviseForm
    submit_label = "Save new version"
    section = "documents"

    def setup_objects(self, case: Case, **kwargs: Any) -> None:
        document = CaseDocument.objects.filter(case=case, pk=kwargs["document_id"]).first()
        if document is None:
            raise Http404("Document not found.")
        document.case = case
        self.document: CaseDocument = document
        self.title = f"Revise {self.document}"

    def initial(self) -> dict[str, Any]:
        latest = self.document.versions.order_by("-number").first()
        return DocumentReviseForm.initial_for(
            self.document, latest.body if latest else "", latest.metadata if latest else None
        )

    def perform(self, form: forms.Form) -> str:
        data = form.cleaned_data
        version = services.document_revise(
            actor=_user(self.request),
            document=self.document,
            expected_version=data["version"],
            body=data["body"],
            rationale=data["rationale"],
            metadata={"has_disclosure_strategy": data["has_disclosure_strategy"]},
        )
        return f"Version {version.number} of {self.document.title} saved."


class ReviewAddView(CasePartView):
    form_class = ReviewForm
    title = "Record a case review"
    submit_label = "Record review"
    section = "reviews"

    def perform(self, form: forms.Form) -> str:
        review = services.review_add(actor=_user(self.request), case=self.case, **form.cleaned_data)
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
