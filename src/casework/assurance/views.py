"""Assurance pages: re-check and verdict history of a case, exemptions, waivers, sign-off requests
and decisions, the Case Management Panel, and the unit assurance dashboard with its exports.

Views parse input, call one selector or service, and render. A case outside the user's view is a
404; a visible case the user may not act on is a 403.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from casework.assurance import dashboard as reads
from casework.assurance import exports, rechecks, selectors, services, signoffs
from casework.assurance.forms import (
    EXPORT_FORMATS,
    ConfirmForm,
    ExemptionForm,
    PanelMeetingForm,
    SignOffDecisionForm,
    SignOffRequestForm,
    VersionForm,
    WaiverForm,
)
from casework.assurance.models import PanelAction, PanelMeeting, PanelRegistration, VerdictPeriod, Waiver
from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.cases.form_view import CaseFormView, raise_page_error
from casework.cases.models import Case
from casework.core import clock, streaming
from casework.core.disclosure import disclosure_or_form, list_or_export
from casework.core.errors import CaseworkError, EditConflict, NotFound, PermissionDenied
from casework.core.forms import apply_service_error
from casework.core.params import id_param, page_param
from casework.core.views import page_errors
from casework.people.choices import UNIT_MANAGER_ROLES
from casework.people.models import User

HISTORY_PAGE_SIZE = 100


def _user(request: HttpRequest) -> Any:
    return request.user


def _page_number(request: HttpRequest) -> int:
    return page_param(request.GET.get("page"))


def _visible_case(user: Any, case_id: int) -> Case:
    case = case_selectors.case_visible(user=user, case_id=case_id)
    if case is None:
        raise Http404("Page not found.")
    return case


def _require_unit_manager(user: Any, case: Case) -> None:
    """Exemptions, waivers and the panel are for the legal managers and unit head of the case's unit."""
    if not (user.role_codes & UNIT_MANAGER_ROLES) or user.unit_id != case.unit_id:
        raise PermissionDenied("Only a legal manager or the unit head of this unit can do this.")


def _case_url(case_id: int) -> str:
    return reverse("cases:section", args=[case_id, "compliance"]) + "#assurance-heading"


# --- a case's compliance ---------------------------------------------------------------------------


@login_required
@require_POST
def case_recheck(request: HttpRequest, case_id: int) -> HttpResponse:
    """Evaluate the case now rather than waiting for the next change or the nightly sweep. It writes
    verdict rows, so it is for those who may change the case: read-only roles get a 403."""
    with page_errors():
        case = case_selectors.case_for_change(user=_user(request), case_id=case_id)
    verdicts = services.case_evaluate(case_id=case.pk)
    failing = sum(v.outcome == "not_met" for v in verdicts)
    messages.success(request, f"Compliance re-checked: {failing} rule{'s' if failing != 1 else ''} not met.")
    return redirect(_case_url(case.pk))


@login_required
@require_http_methods(["GET", "HEAD"])
def case_history(request: HttpRequest, case_id: int) -> HttpResponse:
    """Every verdict the case has had, with when it held and the rule version that produced it."""
    user = _user(request)
    with page_errors():
        case = case_services.case_open(actor=user, case_id=case_id)
    page = _page_number(request)
    offset = (page - 1) * HISTORY_PAGE_SIZE
    rows = list(
        VerdictPeriod.objects.filter(case=case)
        .select_related("rule")
        .order_by("rule_code", "-valid_from", "-pk")[offset : offset + HISTORY_PAGE_SIZE + 1]
    )
    return render(
        request,
        "assurance/history.html",
        {
            "case": case,
            "periods": rows[:HISTORY_PAGE_SIZE],
            "page": page,
            "previous_href": f"?page={page - 1}" if page > 1 else "",
            "next_href": f"?page={page + 1}" if len(rows) > HISTORY_PAGE_SIZE else "",
        },
    )


class _UnitManagersOnly(CaseFormView):
    """Exemptions, waivers and the panel: for the legal managers and unit head of the case's unit
    (invisible case: 404; anyone else: 403)."""

    def load_case(self, user: Any, case_id: int) -> Case:
        case = _visible_case(user, case_id)
        _require_unit_manager(user, case)
        return case


class ExemptionView(_UnitManagersOnly):
    form_class = ExemptionForm
    section = "compliance"
    title = "Record a formal exemption"
    intro = (
        "A Prosecution Strategy Document or Disclosure Management Document may only be dispensed with by a "
        "formal, recorded exemption. You are recorded as the approver, today."
    )
    submit_label = "Record exemption"

    def initial(self) -> dict[str, Any]:
        return {"document": self.request.GET.get("document", "")}

    def perform(self, form: Any) -> str:
        exemption = services.exemption_grant(
            actor=self.user,
            case=self.case,
            document=form.cleaned_data["document"],
            reason=form.cleaned_data["reason"],
        )
        return f"{exemption.get_document_display()} exemption recorded."


class WaiverGrantView(_UnitManagersOnly):
    form_class = WaiverForm
    section = "compliance"
    title = "Waive an assurance rule"
    intro = "A waiver needs a reason and ends on a date. Waivers are reported on the unit's assurance dashboard."
    submit_label = "Waive rule"

    def form_kwargs(self) -> dict[str, Any]:
        return {"rules": [(r.code, r.title) for r in selectors.rules_in_force(clock.today())]}

    def initial(self) -> dict[str, Any]:
        return {"rule_code": self.request.GET.get("rule", "")}

    def perform(self, form: Any) -> str:
        services.waiver_grant(
            actor=self.user,
            case=self.case,
            rule_code=form.cleaned_data["rule_code"],
            reason=form.cleaned_data["reason"],
            expires_on=form.cleaned_data["expires_on"],
        )
        return "Waiver recorded."


class WaiverRevokeView(_UnitManagersOnly):
    form_class = ConfirmForm
    section = "compliance"
    title = "Revoke a waiver"
    submit_label = "Revoke waiver"

    def setup_objects(self, **kwargs: Any) -> None:
        self.waiver = Waiver.objects.filter(case=self.case, pk=kwargs["waiver_id"], revoked_at__isnull=True).first()
        if self.waiver is None:
            raise NotFound("Waiver not found.")
        self.intro = (
            f"The waiver of “{self.waiver.rule_code}” (until {self.waiver.expires_on:%-d %B %Y}) ends now and "
            "the rule is checked again."
        )

    def perform(self, form: Any) -> str:
        assert self.waiver is not None  # setup_objects refused a missing one
        services.waiver_revoke(actor=self.user, waiver=self.waiver)
        return "Waiver revoked."


class SignOffRequestView(CaseFormView):
    form_class = SignOffRequestForm
    template_name = "assurance/signoff_request.html"
    section = "compliance"
    title = "Request a manager's sign-off"
    intro = (
        "The request goes to the case's legal manager, or a deputy if they are absent. Nobody signs off their own work."
    )
    submit_label = "Send request"

    def form_kwargs(self) -> dict[str, Any]:
        return {"checkpoints": signoffs.requestable_checkpoints(case=self.case, today=clock.today())}

    def context(self) -> dict[str, Any]:
        return {"states": signoffs.checkpoint_states(case=self.case, today=clock.today())}

    def perform(self, form: Any) -> str:
        request = services.signoff_request(
            actor=self.user,
            case=self.case,
            checkpoint_code=form.cleaned_data["checkpoint"],
            note=form.cleaned_data["note"],
        )
        return f"Sign-off requested from {request.approver.display_name} ({request.routed_because.lower()})."


# --- the Case Management Panel ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def panel(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    with page_errors():
        case = case_services.case_open(actor=user, case_id=case_id)
    registration = PanelRegistration.objects.filter(case=case).select_related("registered_by").first()
    meetings = list(
        PanelMeeting.objects.filter(case=case)
        .select_related("recorded_by")
        .prefetch_related("members", "actions__owner")
        .order_by("-held_on", "-pk")
    )
    is_manager = bool(user.role_codes & UNIT_MANAGER_ROLES) and user.unit_id == case.unit_id
    can_edit = Case.objects.editable_by(user).filter(pk=case.pk).exists()
    return render(
        request,
        "assurance/panel.html",
        {
            "case": case,
            "registration": registration,
            "meetings": meetings,
            "is_manager": is_manager,
            "can_edit": can_edit,
        },
    )


@login_required
@require_POST
def panel_register(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = _visible_case(user, case_id)
    with page_errors():
        _require_unit_manager(user, case)
        try:
            registration = services.panel_register(actor=user, case=case)
        except CaseworkError as error:
            raise_page_error(error)
            messages.error(request, error.message)
        else:
            met = "; ".join(registration.thresholds_met) or "no threshold met: registered at a manager's discretion"
            messages.success(request, f"Registered with the Case Management Panel ({met}).")
    return redirect("assurance:panel", case_id=case.pk)


class PanelMeetingView(_UnitManagersOnly):
    form_class = PanelMeetingForm
    template_name = "assurance/panel_meeting_form.html"
    section = "compliance"
    title = "Record a Case Management Panel meeting"
    submit_label = "Record meeting"

    def form_kwargs(self) -> dict[str, Any]:
        people = User.objects.filter(unit_id=self.case.unit_id, is_active=True).order_by("last_name", "first_name")
        return {"people": [(str(p.pk), p.display_name) for p in people]}

    def initial(self) -> dict[str, Any]:
        return {"held_on": clock.today()}

    def perform(self, form: Any) -> str:
        services.panel_meeting_record(
            actor=self.user,
            case=self.case,
            held_on=form.cleaned_data["held_on"],
            member_ids=[int(pk) for pk in form.cleaned_data["members"]],
            decisions=form.cleaned_data["decisions"],
            rationale=form.cleaned_data["rationale"],
            actions=form.actions(),
        )
        return "Panel meeting recorded."

    def success_url(self) -> str:
        # The meetings are listed on the panel page, which is reached from the compliance section.
        return reverse("assurance:panel", args=[self.case.pk])

    def context(self) -> dict[str, Any]:
        return {"cancel_href": self.success_url()}


@login_required
@require_POST
def panel_action_complete(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    user = _user(request)
    case = _visible_case(user, case_id)
    action = PanelAction.objects.filter(pk=action_id, meeting__case=case).select_related("meeting__case").first()
    if action is None:
        raise Http404("Page not found.")
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The page was out of date. Try again.")
        return redirect("assurance:panel", case_id=case.pk)
    with page_errors():
        try:
            services.panel_action_complete(actor=user, action=action, expected_version=form.cleaned_data["version"])
        except EditConflict as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Action marked done: {action.description}")
    return redirect("assurance:panel", case_id=case.pk)


# --- my approvals ------------------------------------------------------------------------------


def _require_approver_role(user: Any) -> None:
    if not (user.role_codes & UNIT_MANAGER_ROLES):
        raise Http404("Page not found.")


@login_required
@require_http_methods(["GET", "HEAD"])
def approvals(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_approver_role(user)
    return render(request, "assurance/approvals.html", {"requests": list(selectors.pending_signoffs_for(user))})


@login_required
@require_http_methods(["GET", "POST"])
def signoff_decide(request: HttpRequest, signoff_id: int) -> HttpResponse:
    """Approve or return one sign-off routed to me. The hidden version refuses a stale decision."""
    user = _user(request)
    _require_approver_role(user)
    signoff = (
        selectors.pending_signoffs_for(user)
        .select_related("case__unit", "case__allocated_lawyer")
        .filter(pk=signoff_id)
        .first()
    )
    if signoff is None:
        raise Http404("Page not found.")
    form = SignOffDecisionForm(request.POST or None, initial={"version": signoff.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.signoff_decide(
                actor=user,
                request=signoff,
                expected_version=form.cleaned_data["version"],
                approve=form.cleaned_data["decision"] == "approve",
                rationale=form.rationale(),
            )
        except CaseworkError as error:
            raise_page_error(error)
            if isinstance(error, EditConflict):
                data = request.POST.copy()
                data["version"] = str(error.current_version)
                form = SignOffDecisionForm(data)
                form.is_valid()
                form.add_error(None, error.message)
            else:
                apply_service_error(form, error)
        else:
            verb = "approved" if form.cleaned_data["decision"] == "approve" else "returned"
            messages.success(request, f"Sign-off for {signoff.case.urn} {verb}.")
            return redirect("assurance:approvals")
    # The page shows the case's verdicts and documents: showing it is a consultation of the case.
    case_services.case_open(actor=user, case_id=signoff.case_id)
    context = signoffs.decision_context(user=user, request=signoff, today=clock.today())
    return render(
        request, "assurance/signoff_decide.html", {"signoff": signoff, "case": signoff.case, "form": form, **context}
    )


# --- the unit assurance dashboard --------------------------------------------------------------


def _scope(request: HttpRequest) -> reads.DashboardScope:
    raw = request.GET.get("unit") or ""
    unit_id = id_param(raw)
    if raw and unit_id is None:
        raise Http404("Page not found.")
    with page_errors():
        return reads.dashboard_scope(user=_user(request), unit_id=unit_id)


def _unit_query(scope: reads.DashboardScope) -> str:
    return "?" + urlencode({"unit": scope.unit.pk}) if scope.unit and scope.can_choose else ""


def _justification(user: Any, what: str) -> str:
    return f"{user.primary_role_label}: {what}"


@login_required
@require_http_methods(["GET", "HEAD"])
def dashboard(request: HttpRequest, fmt: str = "") -> HttpResponseBase:
    user = _user(request)
    scope = _scope(request)
    data = reads.dashboard(user=user, scope=scope)
    if fmt:
        if fmt not in EXPORT_FORMATS:
            raise Http404("Page not found.")
        body = exports.dashboard_export(
            actor=user,
            data=data,
            fmt=fmt,
            what=f"Assurance dashboard, {scope.label}",
            justification=_justification(user, f"assurance dashboard export ({scope.label})"),
        )
        return streaming.file_response(body, fmt, f"assurance-dashboard.{fmt}")
    return render(
        request,
        "assurance/dashboard.html",
        {
            "data": data,
            "scope": scope,
            "unit_query": _unit_query(scope),
            "lawyer_limit": reads.LAWYER_TABLE_LIMIT,
            "waiver_alert_percent": round(reads.WAIVER_ALERT_SHARE * 100),
            "trend_bars": _trend_bars(data.trend),
            "chart_width": 50 * len(data.trend),
        },
    )


def _trend_bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Geometry of the server-drawn trend chart: one column per month end, 100 units tall at 100%."""
    bars = []
    for index, row in enumerate(rows):
        percent = row["percent"] or 0
        bars.append(
            {
                "x": index * 50 + 7,
                "text_x": index * 50 + 25,
                "height": percent,
                "y": 110 - percent,
                "label_y": max(110 - percent - 3, 9),
                "value": f"{row['percent']}%" if row["percent"] is not None else "–",
                "short": row["label"][:3] + row["label"][-2:] if "to date" not in row["label"] else "Now",
            }
        )
    return bars


@login_required
@list_or_export
def rule_failing(request: HttpRequest, rule_code: str, fmt: str = "") -> HttpResponseBase:
    """Drill-down: the cases failing one rule now, with the reasons."""
    user = _user(request)
    scope = _scope(request)
    title = reads.rule_title(rule_code, clock.today())
    if title is None:
        raise Http404("Page not found.")
    if fmt:
        if fmt not in EXPORT_FORMATS:
            raise Http404("Page not found.")
        back = reverse("assurance:rule_failing", args=[rule_code]) + _unit_query(scope)
        disclosure = disclosure_or_form(request, what=f"the cases not meeting {title}", back_href=back)
        if isinstance(disclosure, HttpResponse):
            return disclosure
        body = exports.failing_export(
            actor=user,
            verdicts=reads.failing_cases(user=user, scope=scope, rule_code=rule_code),
            rule_code=rule_code,
            fmt=fmt,
            what=f"Cases not meeting {rule_code}, {scope.label}",
            justification=disclosure.purpose,
            recipient=disclosure.recipient,
        )
        return streaming.file_response(body, fmt, f"assurance-{rule_code}.{fmt}")
    page = _page_number(request)
    rows, has_next = reads.failing_page(user=user, scope=scope, rule_code=rule_code, page=page)
    case_services.cases_consulted(
        actor=user, purpose=f"Cases not meeting {rule_code}", case_ids=[r.case_id for r in rows]
    )
    base = {"unit": scope.unit.pk} if scope.unit and scope.can_choose else {}
    return render(
        request,
        "assurance/failing.html",
        {
            "scope": scope,
            "rule_code": rule_code,
            "title": title,
            "rows": rows,
            # Cases that changed since this verdict: the worker is re-checking them.
            "rechecking": set(rechecks.pending_for([row.case_id for row in rows])),
            "page": page,
            "unit_query": _unit_query(scope),
            "background_export_href": reverse("exports:new", args=["assurance-failing"])
            + "?"
            + urlencode({"rule": rule_code, **base}),
            "previous_href": "?" + urlencode({**base, "page": page - 1}) if page > 1 else "",
            "next_href": "?" + urlencode({**base, "page": page + 1}) if has_next else "",
        },
    )
