"""Partnership pages: the police portal (a force's liaison officers, their own force only) and the
CCU's referrals, agreements, HQ templates and coverage.

Views parse input, call one selector or service, and render. Anything outside the user's view is
a 404; the portal is a 404 for everyone but police liaison officers, and every other partnership
page is a 404 for them.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.errors import CaseworkError, EditConflict
from casework.core.forms import apply_service_error
from casework.core.params import id_param
from casework.core.spreadsheets import CONTENT_TYPES, spreadsheet_safe
from casework.core.views import http_error_for, page_errors
from casework.partners import forms as pforms
from casework.partners import rules, selectors, services
from casework.partners.choices import AgreementStatus, ReferralKind, ReferralStatus
from casework.partners.models import Agreement, Referral, force_scope
from casework.partners.reads import referrals_consulted
from casework.people.choices import UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import PoliceForce, User

View = Callable[..., HttpResponse | StreamingHttpResponse]


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind login_required)."""
    return cast(User, request.user)


def _own_force_id(user: User) -> int:
    """A police liaison officer's force (police_only has made sure there is one)."""
    if user.police_force_id is None:
        raise Http404("Not found.")
    return user.police_force_id


# --- who reaches which pages ----------------------------------------------------------------------


def police_only(view: View) -> View:
    """The portal: police liaison officers with a force. Everyone else gets the same 404 as a miss."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse | StreamingHttpResponse:
        user = _user(request)
        if RoleCode.POLICE_LIAISON not in user.role_codes or not user.police_force_id:
            raise Http404("Not found.")
        return view(request, *args, **kwargs)

    return wrapped


def cps_only(*, admin: bool = False) -> Callable[[View], View]:
    """CPS staff pages. Police never; the administrator only where `admin` (configuration)."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse | StreamingHttpResponse:
            roles = set(_user(request).role_codes)
            if RoleCode.POLICE_LIAISON in roles:
                raise Http404("Not found.")
            if not admin:
                roles.discard(RoleCode.ADMINISTRATOR)
            if not roles:
                raise Http404("Not found.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _run(form: forms.BaseForm, call: Callable[[], Any]) -> bool:
    """Call a service; on a user error, show it on the form. 404/403 errors become those pages."""
    try:
        call()
    except CaseworkError as error:
        mapped = http_error_for(error)
        if mapped is not None:
            raise mapped from error
        apply_service_error(form, error)
        if isinstance(error, EditConflict):
            form.add_error(None, error.message)
        return False
    return True


# --- police portal --------------------------------------------------------------------------------


@require_GET
@police_only
def portal_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    referrals = list(selectors.referral_list(user=user)[:200])
    agreement = selectors.agreement_for_force(_own_force_id(user))
    services.portal_disclose(actor=user, subject=user.police_force, what="list of the force's referrals")
    return render(
        request, "partners/portal/home.html", {"referrals": referrals, "agreement": agreement, "today": clock.today()}
    )


@require_http_methods(["GET", "POST"])
@police_only
def portal_submit(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = pforms.ReferralForm(request.POST or None, initial={"kind": ReferralKind.EARLY_ADVICE})
    if request.method == "POST" and form.is_valid():
        made: dict[str, Referral] = {}

        def submit() -> None:
            criterion = form.cleaned_data.get("proposed_criterion")
            made["referral"] = services.referral_submit(
                actor=user,
                kind=form.cleaned_data["kind"],
                items=form.items(),
                officer_in_case=form.cleaned_data["officer_in_case"],
                proposed_criterion_id=criterion.pk if criterion else None,
            )

        if _run(form, submit):
            referral = made["referral"]
            messages.success(request, _sent_message(referral))
            return redirect("partners:portal_referral", referral_id=referral.pk)
    return render(request, "partners/portal/submit.html", {"form": form, "items": rules.EIA_ITEMS})


def _portal_referral_of(request: HttpRequest, referral_id: int) -> tuple[User, Referral]:
    """The signed-in officer and their force's referral (the same 404 for another force's or none)."""
    user = _user(request)
    with page_errors():
        return user, selectors.referral_visible(user=user, referral_id=referral_id)


def _sent_message(referral: Referral) -> str:
    if referral.acknowledge_due_on is not None:
        return f"Sent as {referral.reference}. The CCU will acknowledge it by {referral.acknowledge_due_on:%d %B %Y}."
    count = len(referral.missing_items)
    return (
        f"Sent as {referral.reference} with {count} item{'s' if count != 1 else ''} still missing. The CCU's "
        "response time starts when you send the missing items."
    )


def _portal_referral_context(user: Any, referral: Referral, missing_form: forms.Form | None = None) -> dict[str, Any]:
    today = clock.today()
    missing_fields = selectors.still_missing_fields(referral)
    is_open = referral.status in (ReferralStatus.SUBMITTED, ReferralStatus.ACKNOWLEDGED)
    if missing_form is None and missing_fields and is_open:
        missing_form = pforms.MissingItemsForm(missing_fields=missing_fields, auto_id="missing-%s")
    return {
        "referral": referral,
        "items": selectors.referral_items(referral),
        "missing_form": missing_form,
        "clocks": selectors.referral_clocks(referral, today),
        "ladder": selectors.ladder_of(referral),
        "appeal_route": services.APPEAL_ROUTE if referral.status == ReferralStatus.DECLINED else "",
        "answer_forms": {
            plan.pk: pforms.AnswerForm(auto_id=f"answer-{plan.pk}-%s") for plan in referral.action_plans.all()
        },
        "escalation_form": pforms.EscalationForm(),
    }


@require_GET
@police_only
def portal_referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    user, referral = _portal_referral_of(request, referral_id)
    services.portal_disclose(actor=user, subject=referral, what=f"status and responses of {referral.reference}")
    return render(request, "partners/portal/referral.html", _portal_referral_context(user, referral))


@require_POST
@police_only
def portal_send_missing(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The force sends items its request still lacks (the CCU's clock starts when none are left)."""
    user, referral = _portal_referral_of(request, referral_id)
    form = pforms.MissingItemsForm(
        request.POST, missing_fields=selectors.still_missing_fields(referral), auto_id="missing-%s"
    )
    if form.is_valid() and _run(
        form, lambda: services.referral_send_missing_items(actor=user, referral=referral, items=form.items())
    ):
        messages.success(request, _sent_message(referral))
        return redirect("partners:portal_referral", referral_id=referral.pk)
    context = _portal_referral_context(user, referral, missing_form=form)
    return render(request, "partners/portal/referral.html", context, status=422)


@require_POST
@police_only
def portal_answer(request: HttpRequest, referral_id: int, plan_id: int) -> HttpResponse:
    user, referral = _portal_referral_of(request, referral_id)
    if not referral.action_plans.filter(pk=plan_id).exists():
        raise Http404("Not found.")
    form = pforms.AnswerForm(request.POST, auto_id=f"answer-{plan_id}-%s")
    if form.is_valid() and _run(
        form, lambda: services.action_plan_answer(actor=user, plan_id=plan_id, answer=form.cleaned_data["answer"])
    ):
        messages.success(request, "Your response has been sent to the CCU.")
        return redirect("partners:portal_referral", referral_id=referral.pk)
    context = _portal_referral_context(user, referral)
    context["answer_forms"][plan_id] = form
    context["answer_form"] = form
    return render(request, "partners/portal/referral.html", context, status=422)


@require_POST
@police_only
def portal_escalate(request: HttpRequest, referral_id: int) -> HttpResponse:
    user, referral = _portal_referral_of(request, referral_id)
    form = pforms.EscalationForm(request.POST)
    if form.is_valid() and _run(
        form, lambda: services.escalation_request(actor=user, referral=referral, reason=form.cleaned_data["reason"])
    ):
        messages.success(request, "Escalation requested. The level and response time are shown below.")
        return redirect("partners:portal_referral", referral_id=referral.pk)
    context = {**_portal_referral_context(user, referral), "escalation_form": form}
    return render(request, "partners/portal/referral.html", context, status=422)


@require_GET
@police_only
def portal_agreement(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    force_id = _own_force_id(user)
    agreement = selectors.agreement_for_force(force_id)
    today = clock.today()
    context: dict[str, Any] = {
        "agreement": agreement,
        "force": user.police_force,
        "performance": selectors.force_performance(user=user, force_id=force_id, today=today),
    }
    if agreement is not None:
        context.update(
            clauses=selectors.agreement_clauses(agreement),
            parameters=selectors.agreement_parameters(agreement),
            review_state=selectors.agreement_review_state(agreement, today),
        )
    subject = agreement if agreement is not None else user.police_force
    services.portal_disclose(actor=user, subject=subject, what="the force's MoU and performance")
    return render(request, "partners/portal/agreement.html", context)


# --- CCU: referrals -------------------------------------------------------------------------------


@require_GET
@cps_only()
def referral_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status = request.GET.get("status", "")
    status = status if status in ReferralStatus.values else ""
    referrals = list(selectors.referral_list(user=user, status=status)[:500])
    referrals_consulted(actor=user, purpose="Referral list", referrals=referrals)
    return render(
        request,
        "partners/referral_list.html",
        {"referrals": referrals, "status": status, "statuses": ReferralStatus.choices, "today": clock.today()},
    )


_REFERRAL_FORMS: dict[str, type[forms.Form]] = {
    "accept": pforms.AcceptForm,
    "redirect": pforms.RedirectForm,
    "decline": pforms.DeclineForm,
    "advise": pforms.AdviceForm,
    "action_plan": pforms.ActionPlanForm,
    "escalate": pforms.EscalationForm,
    "resolve": pforms.ResolveForm,
}


def _render_referral(
    request: HttpRequest, referral: Referral, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    # Each form gets its own id prefix: several share field names ("reason") on one page.
    form_set = {name: cls(auto_id=f"{name}-%s") for name, cls in _REFERRAL_FORMS.items()}
    form_set.update(bound or {})
    # One "resolve" form per open escalation, each with its own ids.
    resolve_forms: dict[int, forms.Form] = {
        e.pk: pforms.ResolveForm(auto_id=f"resolve-{e.pk}-%s", initial={"escalation_id": e.pk})
        for e in referral.escalations.all()
    }
    if "resolve" in (bound or {}):
        resolve_forms[_escalation_id(form_set["resolve"])] = form_set["resolve"]
    context = {
        "referral": referral,
        "clocks": selectors.referral_clocks(referral, clock.today()),
        "ladder": selectors.ladder_of(referral),
        "forms": form_set,
        "resolve_forms": resolve_forms,
        "is_open": referral.status in (ReferralStatus.SUBMITTED, ReferralStatus.ACKNOWLEDGED),
        "items": selectors.referral_items(referral),
        "appeal_route": services.APPEAL_ROUTE,
    }
    return render(request, "partners/referral_detail.html", context, status=status)


def _digits(value: str | None) -> str:
    return value if value and value.isdigit() else "0"


def _escalation_id(form: forms.Form) -> int:
    return int(_digits(form.data.get("escalation_id")))


@require_http_methods(["GET", "HEAD"])
@cps_only()
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    with page_errors():
        referral = selectors.referral_visible(user=request.user, referral_id=referral_id)
    return _render_referral(request, referral)


def _referral_post(
    request: HttpRequest, referral_id: int, action: str, form_class: type[forms.Form] = forms.Form
) -> tuple[User, Referral, forms.Form]:
    """The referral a CCU form posts to (404 outside the user's view) and the bound form."""
    user = _user(request)
    with page_errors():
        referral = selectors.referral_visible(user=user, referral_id=referral_id)
    # Each open escalation has its own "resolve" form on the page, so its ids carry the escalation.
    prefix = f"resolve-{_digits(request.POST.get('escalation_id'))}" if action == "resolve" else action
    return user, referral, form_class(request.POST, auto_id=f"{prefix}-%s")


def _referral_outcome(
    request: HttpRequest, referral_id: int, action: str, form: forms.Form, save: Callable[[], object]
) -> HttpResponse:
    """Saved: back to the referral with a confirmation. Refused: the page again, with the form's errors."""
    if form.is_valid() and _run(form, save):
        messages.success(request, "Saved. The force can see the update in its portal.")
        return redirect("partners:referral", referral_id=referral_id)
    referral = selectors.referral_visible(user=request.user, referral_id=referral_id)
    return _render_referral(request, referral, {action: form}, status=422)


@require_POST
@cps_only()
def referral_acknowledge(request: HttpRequest, referral_id: int) -> HttpResponse:
    user, referral, form = _referral_post(request, referral_id, "acknowledge")
    return _referral_outcome(
        request, referral_id, "acknowledge", form, lambda: services.referral_acknowledge(actor=user, referral=referral)
    )


def _may_allocate(user: User, unit_id: int) -> bool:
    """The allocation page (resourcing's allocate flow) is for the legal managers and Unit Head of the
    case's unit. Today only they accept referrals too; if acceptance ever widens, the others land
    on the case and are told who allocates."""
    return bool(user.role_codes & UNIT_MANAGER_ROLES) and user.unit_id == unit_id


@require_POST
@cps_only()
def referral_accept(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Accepting records the case; the next job is to allocate it, so go straight there."""
    user, referral, form = _referral_post(request, referral_id, "accept", pforms.AcceptForm)
    accepted: dict[str, Referral] = {}

    def accept() -> None:
        data = form.cleaned_data
        accepted["referral"] = services.referral_accept(
            actor=user, referral=referral, criterion_id=data["criterion"].pk, urn=data["urn"], note=data["note"]
        )

    if not (form.is_valid() and _run(form, accept)):
        return _render_referral(
            request, selectors.referral_visible(user=user, referral_id=referral_id), {"accept": form}, 422
        )
    case_id = accepted["referral"].case_id
    urn = form.cleaned_data["urn"]
    if _may_allocate(user, referral.unit_id):
        messages.success(request, f"Referral accepted: case {urn} is on the register. Now allocate a lawyer to it.")
        return redirect("resourcing:allocate", case_id=case_id)
    messages.success(
        request,
        f"Referral accepted: case {urn} is on the register. It now needs allocating: the unit's legal managers "
        "and Unit Head allocate cases (from the case's resourcing page).",
    )
    return redirect("cases:detail", case_id)


@require_POST
@cps_only()
def referral_redirect(request: HttpRequest, referral_id: int) -> HttpResponse:
    user, referral, form = _referral_post(request, referral_id, "redirect", pforms.RedirectForm)

    def send_on() -> None:
        data = form.cleaned_data
        services.referral_redirect(actor=user, referral=referral, division=data["division"], reason=data["reason"])

    return _referral_outcome(request, referral_id, "redirect", form, send_on)


@require_POST
@cps_only()
def referral_decline(request: HttpRequest, referral_id: int) -> HttpResponse:
    user, referral, form = _referral_post(request, referral_id, "decline", pforms.DeclineForm)

    def decline() -> None:
        services.referral_decline(actor=user, referral=referral, reason=form.cleaned_data["reason"])

    return _referral_outcome(request, referral_id, "decline", form, decline)


@require_POST
@cps_only()
def referral_advise(request: HttpRequest, referral_id: int) -> HttpResponse:
    user, referral, form = _referral_post(request, referral_id, "advise", pforms.AdviceForm)

    def advise() -> None:
        services.referral_advise(actor=user, referral=referral, advice=form.cleaned_data["advice"])

    return _referral_outcome(request, referral_id, "advise", form, advise)


@require_POST
@cps_only()
def referral_action_plan(request: HttpRequest, referral_id: int) -> HttpResponse:
    user, referral, form = _referral_post(request, referral_id, "action_plan", pforms.ActionPlanForm)

    def issue() -> None:
        services.action_plan_issue(actor=user, referral=referral, actions=form.cleaned_data["actions"])

    return _referral_outcome(request, referral_id, "action_plan", form, issue)


@require_POST
@cps_only()
def referral_escalate(request: HttpRequest, referral_id: int) -> HttpResponse:
    user, referral, form = _referral_post(request, referral_id, "escalate", pforms.EscalationForm)

    def escalate() -> None:
        services.escalation_request(actor=user, referral=referral, reason=form.cleaned_data["reason"])

    return _referral_outcome(request, referral_id, "escalate", form, escalate)


@require_POST
@cps_only()
def referral_resolve(request: HttpRequest, referral_id: int) -> HttpResponse:
    user, _referral, form = _referral_post(request, referral_id, "resolve", pforms.ResolveForm)

    def resolve() -> None:
        data = form.cleaned_data
        services.escalation_resolve(actor=user, escalation_id=data["escalation_id"], outcome=data["outcome"])

    return _referral_outcome(request, referral_id, "resolve", form, resolve)


# --- CCU: agreements ------------------------------------------------------------------------------


@require_GET
@cps_only()
def agreement_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = clock.today()
    agreements = list(selectors.agreement_list(user=user))
    rows = [(a, selectors.agreement_review_state(a, today)) for a in agreements]
    current = selectors.current_template(today)
    return render(
        request, "partners/agreement_list.html", {"rows": rows, "current": current, "can_create": user.is_unit_manager}
    )


def _creatable_forces(user: Any) -> Any:
    scope = force_scope(user)
    forces = PoliceForce.objects.all() if scope is None else PoliceForce.objects.filter(scope)
    return forces.filter(areas__unit=user.unit_id).distinct().order_by("name")


@require_http_methods(["GET", "POST"])
@cps_only()
def agreement_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.is_unit_manager:
        raise Http404("Not found.")
    form = pforms.AgreementCreateForm(request.POST or None, forces=_creatable_forces(user))
    made: dict[str, Agreement] = {}
    if request.method == "POST" and form.is_valid():

        def create() -> None:
            made["a"] = services.agreement_create(
                actor=user,
                force_id=form.cleaned_data["force"].pk,
                cps_contacts=form.cleaned_data["cps_contacts"],
                police_contacts=form.cleaned_data["police_contacts"],
            )

        if _run(form, create):
            messages.success(request, "Draft agreement created from the current HQ template.")
            return redirect("partners:agreement", agreement_id=made["a"].pk)
    return render(
        request,
        "partners/form.html",
        {"form": form, "title": "Start an agreement with a force", "submit_label": "Create draft"},
    )


def _agreement_forms(agreement: Agreement) -> dict[str, forms.Form]:
    content = agreement.template.content
    values = rules.parameter_values(content, agreement.parameters)
    return {
        "parameters": pforms.ParametersForm(
            auto_id="parameters-%s",
            template=content,
            initial={
                "version": agreement.version,
                "cps_contacts": agreement.cps_contacts,
                "police_contacts": agreement.police_contacts,
                **{f"p_{k}": v for k, v in values.items()},
            },
        ),
        "deviation": pforms.DeviationForm(template=content, auto_id="deviation-%s"),
        "sign": pforms.SignForm(initial={"version": agreement.version}, auto_id="sign-%s"),
        "meeting": pforms.MeetingForm(auto_id="meeting-%s"),
        "disagreement": pforms.DisagreementForm(auto_id="disagreement-%s"),
        "resolve_disagreement": pforms.DisagreementResolveForm(auto_id="resolve-%s"),
    }


def _labelled(statuses: Any) -> list[tuple[str, str]]:
    return [(status, AgreementStatus(status).label.lower()) for status in sorted(statuses)]


def _render_agreement(
    request: HttpRequest, agreement: Agreement, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    today = clock.today()
    current = selectors.current_template(today)
    form_set = _agreement_forms(agreement)
    form_set.update(bound or {})
    meetings = list(selectors.meetings_of(agreement))
    params = rules.parameter_values(agreement.template.content, agreement.parameters)
    last = {kind: next((m.held_on for m in meetings if m.kind == kind), None) for kind in ("operational", "strategic")}
    since = agreement.effective_from or agreement.created_at.date()
    disagreements = list(selectors.disagreements_of(user=user, force_id=agreement.force_id))
    context = {
        "agreement": agreement,
        "clauses": selectors.agreement_clauses(agreement),
        "parameters": selectors.agreement_parameters(agreement),
        "review_state": selectors.agreement_review_state(agreement, today),
        "current": current,
        "plan": selectors.migration_plan(agreement, current) if current and current.pk != agreement.template_id else [],
        "next_statuses": _labelled(
            rules.TRANSITIONS.get(agreement.status, frozenset()) - {AgreementStatus.SIGNED, AgreementStatus.SUPERSEDED}
        ),
        "can_sign": AgreementStatus.SIGNED in rules.TRANSITIONS.get(agreement.status, frozenset()),
        "editable": agreement.status in (AgreementStatus.DRAFT, AgreementStatus.NEGOTIATING),
        "can_manage": user.is_unit_manager and user.unit_id == agreement.unit_id,
        "can_work": user.unit_id == agreement.unit_id and (user.is_unit_manager or user.is_caseworker),
        "forms": form_set,
        "meetings": meetings,
        "next_meetings": {
            "operational": rules.meeting_due(last["operational"], params["operational_meeting_weeks"], since),
            "strategic": rules.meeting_due(last["strategic"], params["strategic_meeting_weeks"], since),
        },
        "disagreements": disagreements,
        "resolve_forms": _resolve_forms(disagreements, form_set.get("resolve_disagreement")),
        "performance": selectors.force_performance(user=user, force_id=agreement.force_id, today=today),
        "today": today,
    }
    return render(request, "partners/agreement_detail.html", context, status=status)


def _resolve_form_ids(data: Any) -> str:
    """Each open disagreement has its own outcome form; its ids name the disagreement, so an error
    links to that row's fields."""
    return f"disagreement-{id_param(data.get('disagreement_id')) or 0}-%s"


def _resolve_forms(disagreements: list[Any], bound: forms.Form | None) -> dict[int, forms.Form]:
    """One outcome form per disagreement; a refused one is shown again, with its errors, in its row."""
    resolve_forms: dict[int, forms.Form] = {
        d.pk: pforms.DisagreementResolveForm(
            auto_id=_resolve_form_ids({"disagreement_id": d.pk}), initial={"disagreement_id": d.pk}
        )
        for d in disagreements
    }
    if bound is not None and bound.is_bound:
        chosen = id_param(bound.data.get("disagreement_id"))
        if chosen in resolve_forms:
            resolve_forms[chosen] = bound
    return resolve_forms


@require_http_methods(["GET", "HEAD"])
@cps_only()
def agreement_detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    with page_errors():
        agreement = selectors.agreement_visible(user=request.user, agreement_id=agreement_id)
    return _render_agreement(request, agreement)


@require_GET
@cps_only()
def agreement_performance_export(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """The force's performance against its agreement as CSV: audited as an export."""
    user = _user(request)
    with page_errors():
        agreement = selectors.agreement_visible(user=user, agreement_id=agreement_id)
    body = services.performance_export(actor=user, agreement=agreement, today=clock.today())
    response = HttpResponse(body, content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="mou-performance-{agreement.force.code}.csv"'
    return response


def _agreement_post(
    request: HttpRequest, agreement_id: int, action: str, make_form: Callable[..., forms.Form]
) -> tuple[User, Agreement, forms.Form]:
    """The agreement a form posts to (404 outside the user's view) and the bound form; `make_form`
    takes the posted data and the agreement's template content where the form needs it."""
    user = _user(request)
    with page_errors():
        agreement = selectors.agreement_visible(user=user, agreement_id=agreement_id)
    form = make_form(request.POST, agreement.template.content)
    form.auto_id = f"{action}-%s"
    return user, agreement, form


def _agreement_outcome(
    request: HttpRequest,
    agreement_id: int,
    action: str,
    form: forms.Form,
    save: Callable[[], object],
    message: str = "Saved.",
) -> HttpResponse:
    """Saved: to the agreement the service returned (a revision is a new one), or this one.
    Refused: this agreement's page again, with the form's errors."""
    saved: list[object] = []
    if form.is_valid() and _run(form, lambda: saved.append(save())):
        messages.success(request, message)
        target = saved[0] if isinstance(saved[0], Agreement) else None
        return redirect("partners:agreement", agreement_id=target.pk if target else agreement_id)
    agreement = selectors.agreement_visible(user=request.user, agreement_id=agreement_id)
    return _render_agreement(request, agreement, {action: form}, status=422)


def _plain(form_class: type[forms.Form]) -> Callable[..., forms.Form]:
    """A form that does not depend on the agreement's template."""
    return lambda data, _content: form_class(data)


@require_POST
@cps_only()
def agreement_parameters(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user, agreement, form = _agreement_post(
        request, agreement_id, "parameters", lambda data, content: pforms.ParametersForm(data, template=content)
    )

    def update() -> object:
        data = form.cleaned_data
        return services.agreement_update(
            actor=user,
            agreement=agreement,
            expected_version=data["version"],
            parameters=cast(pforms.ParametersForm, form).parameters(),
            cps_contacts=data["cps_contacts"],
            police_contacts=data["police_contacts"],
        )

    return _agreement_outcome(request, agreement_id, "parameters", form, update)


@require_POST
@cps_only()
def agreement_deviation(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user, agreement, form = _agreement_post(
        request, agreement_id, "deviation", lambda data, content: pforms.DeviationForm(data, template=content)
    )

    def record() -> object:
        data = form.cleaned_data
        return services.agreement_record_deviation(
            actor=user,
            agreement=agreement,
            clause_code=data["clause_code"],
            text=data["text"],
            reason=data["reason"],
            omitted=data["omitted"],
        )

    return _agreement_outcome(request, agreement_id, "deviation", form, record)


@require_POST
@cps_only()
def agreement_remove_deviation(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user, agreement, form = _agreement_post(request, agreement_id, "remove_deviation", _plain(pforms.ClauseForm))

    def restore() -> object:
        clause = form.cleaned_data["clause_code"]
        return services.agreement_remove_deviation(actor=user, agreement=agreement, clause_code=clause)

    return _agreement_outcome(request, agreement_id, "remove_deviation", form, restore)


@require_POST
@cps_only()
def agreement_sign(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user, agreement, form = _agreement_post(request, agreement_id, "sign", _plain(pforms.SignForm))

    def sign() -> object:
        data = form.cleaned_data
        return services.agreement_transition(
            actor=user,
            agreement=agreement,
            expected_version=data["version"],
            target=AgreementStatus.SIGNED,
            cps_signatory=data["cps_signatory"],
            police_signatory=data["police_signatory"],
            signed_on=data["signed_on"],
            effective_from=data.get("effective_from"),
        )

    return _agreement_outcome(request, agreement_id, "sign", form, sign)


@require_POST
@cps_only()
def agreement_transition(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user, agreement, form = _agreement_post(request, agreement_id, "transition", _plain(pforms.TransitionForm))

    def move() -> object:
        data = form.cleaned_data
        return services.agreement_transition(
            actor=user, agreement=agreement, expected_version=data["version"], target=data["target"]
        )

    return _agreement_outcome(request, agreement_id, "transition", form, move)


@require_POST
@cps_only()
def agreement_revise(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user, agreement, form = _agreement_post(request, agreement_id, "revise", _plain(pforms.ReviseForm))

    def revise() -> object:
        number = form.cleaned_data["template_number"]
        return services.agreement_start_revision(actor=user, agreement=agreement, template_number=number)

    message = "Draft revision created on the new template version."
    return _agreement_outcome(request, agreement_id, "revise", form, revise, message)


@require_POST
@cps_only()
def agreement_meeting(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user, agreement, form = _agreement_post(request, agreement_id, "meeting", _plain(pforms.MeetingForm))

    def record() -> object:
        data = form.cleaned_data
        return services.meeting_record(
            actor=user,
            agreement=agreement,
            kind=data["kind"],
            held_on=data["held_on"],
            cps_attendees=data["cps_attendees"],
            police_attendees=data["police_attendees"],
            notes=data["notes"],
            actions=cast(pforms.MeetingForm, form).actions(),
        )

    return _agreement_outcome(request, agreement_id, "meeting", form, record)


@require_POST
@cps_only()
def agreement_action_done(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user, _agreement, form = _agreement_post(request, agreement_id, "action_done", _plain(pforms.ActionDoneForm))

    def done() -> object:
        return services.meeting_action_complete(actor=user, action_id=form.cleaned_data["id"])

    return _agreement_outcome(request, agreement_id, "action_done", form, done)


@require_POST
@cps_only()
def agreement_disagreement(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user, agreement, form = _agreement_post(request, agreement_id, "disagreement", _plain(pforms.DisagreementForm))

    def record() -> object:
        data = form.cleaned_data
        return services.disagreement_record(
            actor=user,
            force_id=agreement.force_id,
            subject=data["subject"],
            cps_position=data["cps_position"],
            police_position=data["police_position"],
        )

    return _agreement_outcome(request, agreement_id, "disagreement", form, record)


@require_POST
@cps_only()
def agreement_resolve_disagreement(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user, _agreement, form = _agreement_post(
        request, agreement_id, "resolve_disagreement", _plain(pforms.DisagreementResolveForm)
    )
    form.auto_id = _resolve_form_ids(request.POST)  # the row's own ids (see _resolve_forms)

    def resolve() -> object:
        data = form.cleaned_data
        return services.disagreement_resolve(
            actor=user, disagreement_id=data["disagreement_id"], outcome=data["outcome"], note=data["note"]
        )

    return _agreement_outcome(request, agreement_id, "resolve_disagreement", form, resolve)


# --- HQ templates ---------------------------------------------------------------------------------


@require_GET
@cps_only(admin=True)
def template_list(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/template_list.html", {"templates": selectors.template_list(user=request.user)})


def _defaults(content: dict[str, Any]) -> dict[str, Any]:
    return {spec["code"]: spec["default"] for spec in content.get("parameters", [])}


@require_GET
@cps_only(admin=True)
def template_detail(request: HttpRequest, number: int) -> HttpResponse:
    with page_errors():
        template = selectors.template_visible(user=request.user, number=number)
    return render(
        request,
        "partners/template_detail.html",
        {
            "template": template,
            "changes": selectors.template_changes(template),
            "sections": selectors.template_sections(template),
            "can_publish": _user(request).has_role(RoleCode.HQ_POLICY),
        },
    )


@require_http_methods(["GET", "POST"])
@cps_only(admin=True)
def template_publish(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_role(RoleCode.HQ_POLICY):
        raise Http404("Not found.")
    latest = selectors.published_templates().first()
    initial = {"title": latest.title, "content": latest.content, "source": latest.source} if latest else {}
    form = pforms.TemplatePublishForm(request.POST or None, initial=initial)
    made: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def publish() -> None:
            made["t"] = services.template_publish(
                actor=user,
                content=data["content"],
                title=data["title"],
                effective_from=data["effective_from"],
                change_note=data["change_note"],
                source=data["source"],
            )

        if _run(form, publish):
            messages.success(request, f"Version {made['t'].number} published. Its changes are listed below.")
            return redirect("partners:template", number=made["t"].number)
    return render(
        request,
        "partners/form.html",
        {"form": form, "title": "Publish a new template version", "submit_label": "Publish"},
    )


# --- coverage -------------------------------------------------------------------------------------

CSV_HEADER = ["Force", "Areas", "Status", "Template version", "Signed on", "Review due", "Expires", "Gap"]


@require_GET
@cps_only()
def coverage(request: HttpRequest, export: bool = False) -> HttpResponse | StreamingHttpResponse:
    user = _user(request)
    area_id = id_param(request.GET.get("area")) or 0
    data = selectors.coverage(user=user, today=clock.today(), area_id=area_id or None)
    if export:
        return _coverage_csv(user, data, area_id)
    bar_width = 300
    # Chart geometry is computed here: the CSP forbids inline styles, so the SVG uses attributes.
    for index, row in enumerate(data["areas"]):
        row.update(bar=round(bar_width * row["percent"] / 100), y=20 * index + 20, bar_y=20 * index + 10)
    return render(
        request,
        "partners/coverage.html",
        {
            **data,
            "area_id": area_id,
            "bar_width": bar_width,
            "chart_height": 20 * len(data["areas"]) + 30,
            "chart_width": bar_width + 260,
            "area_choices": selectors.areas_for_filter(),
        },
    )


def _coverage_csv(user: Any, data: dict[str, Any], area_id: int) -> StreamingHttpResponse:
    with transaction.atomic():
        audit.record(
            actor=user,
            action=Action.EXPORT,
            subject_type="partners.coverage",
            subject_label="MoU coverage",
            justification=f"MoU coverage export ({data['total']} forces, area={area_id or 'all'})",
        )

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def rows() -> Any:
        yield writer.writerow(CSV_HEADER)
        for row in data["rows"]:
            a = row.agreement
            yield writer.writerow(
                [
                    spreadsheet_safe(v)
                    for v in (
                        row.force.name,
                        row.areas,
                        a.get_status_display() if a else "None",
                        a.template.number if a else "",
                        a.signed_on or "" if a else "",
                        a.review_due_on or "" if a else "",
                        a.expires_on or "" if a else "",
                        row.gap or "Signed, in date, current template",
                    )
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mou-coverage.csv"'
    return response
