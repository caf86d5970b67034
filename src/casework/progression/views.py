"""Case progression pages: a case's custody clocks and deadlines, "My tasks", notices, the unit
board and the calendar feed.

Views parse input, call one selector or service, and render. A case outside the user's view is a
404; a visible case the user may not change is a 403 (HQ, inspectors, area leadership).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.cases.form_view import CaseFormView, case_section_url, raise_page_error
from casework.cases.models import Case
from casework.core import clock, streaming
from casework.core.bank_holidays import working_calendar
from casework.core.dates import govuk_date
from casework.core.disclosure import disclosure_or_form, list_or_export
from casework.core.errors import CaseworkError
from casework.core.forms import apply_service_error
from casework.core.params import id_param, safe_next
from casework.core.views import page_errors
from casework.core.working_days import CalendarNotCovered
from casework.people.choices import CASEWORKER_ROLES, CPS_STAFF_ROLES, UNIT_MANAGER_ROLES
from casework.people.models import Unit
from casework.progression import board as reads
from casework.progression import calculator, digest, exports, feeds, selectors, services
from casework.progression import forms as pforms
from casework.progression import notices as notice_reads
from casework.progression.models import CustodyClock, Deadline, Task
from casework.progression.rules import InvalidInput, RuleNotFound


def _user(request: HttpRequest) -> Any:
    return request.user


# --- the case's progression page ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def case_progression(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    with page_errors():
        case = case_services.case_open(actor=user, case_id=case_id)
    context = reads.case_progression(user=user, case=case, today=clock.today())
    can_edit = Case.objects.editable_by(user).filter(pk=case.pk).exists()
    return render(request, "progression/case.html", {"case": case, "can_edit": can_edit, **context})


@login_required
@require_POST
def case_recalculate(request: HttpRequest, case_id: int) -> HttpResponse:
    """Bring the standard dates up to date after hearings changed, and show what moved."""
    user = _user(request)
    with page_errors():
        case = case_selectors.case_for_change(user=user, case_id=case_id)
        moved = services.deadlines_recalculate(actor=user, case=case)
    titles = dict(Deadline.objects.filter(case=case, key__in=list(moved)).values_list("key", "title"))
    rows = [{"key": key, "title": titles.get(key, key), "old": old, "new": new} for key, (old, new) in moved.items()]
    return render(request, "progression/recalculated.html", {"case": case, "moved": rows})


class _ProgressionForm(CaseFormView):
    """Progression's case forms: their page shows the clock's expiry or the deadline's due date. They
    all belong to the case page's "Deadlines and CTL log" section, which lists the clocks, the CTL
    log, the deadlines and the case's open tasks."""

    template_name = "progression/case_form.html"


class ClockOpenView(_ProgressionForm):
    form_class = pforms.ClockOpenForm
    section = "deadlines"
    title = "Start a custody time limit clock"
    submit_label = "Start clock"
    intro = "Choose the charge and the regime. Then record the remand in custody that starts the clock."

    def form_kwargs(self) -> dict[str, Any]:
        return {"case": self.case}

    def perform(self, form: Any) -> str:
        data = form.cleaned_data
        services.custody_clock_open(
            actor=self.user,
            charge=data["charge"],
            initial_regime=data["initial_regime"],
            summary_trial_decided_on=data["summary_trial_decided_on"],
            prior_custody_days=data["prior_custody_days"] or 0,
        )
        return f"Custody time limit clock started for {data['charge'].defendant}: {data['charge'].offence}."


class _ClockView(_ProgressionForm):
    show_expiry = True

    def setup_objects(self, **kwargs: Any) -> None:
        clocks = CustodyClock.objects.select_related("charge__defendant")
        ctl = clocks.filter(case=self.case, pk=kwargs["clock_id"]).first()
        if ctl is None:
            raise Http404("Custody clock not found.")
        ctl.case = self.case
        self.clock: CustodyClock = ctl
        self.title = f"{self.verb}: {ctl.charge.defendant}, {ctl.charge.offence}"

    verb = ""


class ClockEventView(_ClockView):
    form_class = pforms.ClockEventForm
    section = "deadlines"
    verb = "Record a custody event"
    submit_label = "Record event"
    intro = "The expiry is recomputed from all the events. For an extension, enter the new date the court set."

    def perform(self, form: Any) -> str:
        data = form.cleaned_data
        reading = services.clock_event_record(
            actor=self.user,
            clock=self.clock,
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            new_expiry=data["new_expiry"],
            note=data["note"],
        )
        for warning in reading.warnings:
            messages.warning(self.request, warning)
        expiry = f"; expires {govuk_date(reading.expires_on)}" if reading.expires_on else ""
        return f"Custody event recorded. The clock is {reading.status.value.replace('_', ' ')}{expiry}."


class DualCheckView(_ClockView):
    form_class = pforms.DualCheckForm
    section = "deadlines"
    verb = "Check the expiry date"
    submit_label = "Confirm expiry"
    show_expiry = False  # the checker works the date out without being shown it
    intro = (
        "A second person works out the expiry independently. You cannot check a date you recorded the "
        "last custody event for."
    )

    def perform(self, form: Any) -> str:
        services.clock_dual_check(
            actor=self.user, clock=self.clock, confirmed_expiry=form.cleaned_data["confirmed_expiry"]
        )
        return "Expiry date confirmed by a second person."


class ExtensionStartView(_ClockView):
    form_class = pforms.ExtensionStartForm
    section = "deadlines"
    verb = "Start an extension application"
    submit_label = "Start application"
    intro = "Prepare the application at least 14 days before expiry; notice must be served on the court and defence."

    def perform(self, form: Any) -> str:
        data = form.cleaned_data
        services.extension_application_start(
            actor=self.user, clock=self.clock, hearing_on=data["hearing_on"], note=data["note"]
        )
        return "Extension application started."


class CtlLogAddView(_ProgressionForm):
    form_class = pforms.CtlLogForm
    section = "deadlines"
    title = "Add a CTL log entry"
    submit_label = "Add entry"
    intro = "Record each check of the custody time limits: at every hearing and regularly in between."

    def form_kwargs(self) -> dict[str, Any]:
        return {"case": self.case}

    def initial(self) -> dict[str, Any]:
        return {"entry_on": clock.today()}

    def perform(self, form: Any) -> str:
        data = form.cleaned_data
        services.ctl_log_add(
            actor=self.user,
            case=self.case,
            entry_on=data["entry_on"],
            note=data["note"],
            hearing_id=form.hearing_id(),
        )
        return "CTL log entry added."


class _DeadlineView(_ProgressionForm):
    verb = ""

    def setup_objects(self, **kwargs: Any) -> None:
        deadline = Deadline.objects.filter(case=self.case, pk=kwargs["deadline_id"]).first()
        if deadline is None:
            raise Http404("Deadline not found.")
        deadline.case = self.case
        self.deadline: Deadline = deadline
        self.title = f"{self.verb}: {deadline.title}"

    def initial(self) -> dict[str, Any]:
        return {"version": self.deadline.version}


class DeadlineMetView(_DeadlineView):
    form_class = pforms.DeadlineMetForm
    section = "deadlines"
    verb = "Mark as met"
    submit_label = "Mark as met"

    def initial(self) -> dict[str, Any]:
        return {**super().initial(), "met_on": clock.today()}

    def perform(self, form: Any) -> str:
        data = form.cleaned_data
        services.deadline_mark_met(
            actor=self.user, deadline=self.deadline, expected_version=data["version"], met_on=data["met_on"]
        )
        return f"{self.deadline.title}: met on {govuk_date(data['met_on'])}."


class DeadlineMissedView(_DeadlineView):
    form_class = pforms.DeadlineMissedForm
    section = "deadlines"
    verb = "Record as missed"
    submit_label = "Record as missed"

    def perform(self, form: Any) -> str:
        data = form.cleaned_data
        services.deadline_mark_missed(
            actor=self.user,
            deadline=self.deadline,
            expected_version=data["version"],
            reason=data["missed_reason"],
            note=data["missed_note"],
        )
        return f"{self.deadline.title}: recorded as missed."


class DeadlineDirectView(_DeadlineView):
    form_class = pforms.DeadlineDirectForm
    section = "deadlines"
    verb = "Record a court direction"
    submit_label = "Save the directed date"
    intro = "The court's date replaces the standard date. The standard date stays on record beside it."

    def initial(self) -> dict[str, Any]:
        return {**super().initial(), "due_on": self.deadline.due_on}

    def perform(self, form: Any) -> str:
        data = form.cleaned_data
        services.deadline_direct(
            actor=self.user,
            deadline=self.deadline,
            expected_version=data["version"],
            due_on=data["due_on"],
            reason=data["reason"],
        )
        return f"{self.deadline.title}: now due {govuk_date(data['due_on'])} by direction."


class DirectionAddView(_ProgressionForm):
    form_class = pforms.DirectionAddForm
    section = "deadlines"
    title = "Add a court direction"
    submit_label = "Add direction"

    def form_kwargs(self) -> dict[str, Any]:
        return {"case": self.case}

    def perform(self, form: Any) -> str:
        data = form.cleaned_data
        deadline = services.direction_add(
            actor=self.user,
            case=self.case,
            title=data["title"],
            due_on=data["due_on"],
            owner_id=data["owner"].pk if data["owner"] else None,
            reason=data["reason"],
        )
        return f"Direction added: {deadline.title}, due {govuk_date(deadline.due_on)}."


class CaseTaskCreateView(_ProgressionForm):
    form_class = pforms.TaskCreateForm
    section = "deadlines"
    title = "Add a task on this case"
    submit_label = "Add task"

    def form_kwargs(self) -> dict[str, Any]:
        return {"unit_id": self.case.unit_id}

    def perform(self, form: Any) -> str:
        task = services.task_create(actor=self.user, case=self.case, **form.service_values())
        return f"Task added: {task.title}."


# --- my tasks ----------------------------------------------------------------------------------


def _require_caseworker(user: Any) -> None:
    if not (user.role_codes & (CASEWORKER_ROLES | UNIT_MANAGER_ROLES)) or not user.unit_id:
        raise Http404("Page not found.")


@login_required
@list_or_export
def my_tasks(request: HttpRequest, export: bool = False) -> HttpResponse:
    user = _user(request)
    _require_caseworker(user)
    form = pforms.TaskFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    show, sort = cleaned.get("show") or "all", cleaned.get("sort") or "due"
    today = clock.today()
    items = reads.my_work(user=user, today=today, show=show, sort=sort)
    if export:
        disclosure = disclosure_or_form(request, what="my tasks (CSV)", back_href=reverse("progression:tasks"))
        if isinstance(disclosure, HttpResponse):
            return disclosure
        body = exports.my_work_export(
            actor=user,
            items=items,
            filters=f"show={show}, sort={sort}",
            purpose=disclosure.purpose,
            recipient=disclosure.recipient,
        )
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="casework-my-tasks.csv"'
        return response
    query = urlencode({"show": show, "sort": sort})
    case_services.cases_consulted(
        actor=user, purpose="My tasks", case_ids=[item.case.pk for item in items if item.case is not None]
    )
    return render(
        request,
        "progression/tasks.html",
        {
            "form": form,
            "items": items,
            "today": today,
            "show": show,
            "export_href": reverse("progression:tasks_export") + f"?{query}",
            "unread": digest.unread_count(user=user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest) -> HttpResponse:
    """A task not tied to a case (e.g. team work); tasks on a case are added from the case."""
    user = _user(request)
    _require_caseworker(user)
    form = pforms.TaskCreateForm(request.POST or None, unit_id=user.unit_id)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(actor=user, **form.service_values())
        except CaseworkError as error:
            raise_page_error(error)
            apply_service_error(form, error)
        else:
            messages.success(request, f"Task added: {task.title}.")
            return redirect("progression:tasks")
    return render(
        request,
        "progression/form.html",
        {"form": form, "case": None, "title": "Add a task", "submit_label": "Add task", "view": None},
    )


def _task_for(user: Any, task_id: int) -> Task:
    """A task the user may see: on a visible case, or a general task of theirs or their team."""
    own = Q(assignee=user) | (Q(team_id=user.team_id) if user.team_id else Q(pk__in=[]))
    task = (
        Task.objects.filter(pk=task_id)
        .filter(Q(case__in=Case.objects.visible_to(user)) | (Q(case__isnull=True) & own))
        .select_related("case")
        .first()
    )
    if task is None:
        raise Http404("Task not found.")
    return task


@login_required
@require_POST
def task_complete(request: HttpRequest, task_id: int) -> HttpResponse:
    user = _user(request)
    task = _task_for(user, task_id)
    form = pforms.VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The task could not be completed: reload the page and try again.")
        return redirect(safe_next(request, request.POST.get("next"), reverse("progression:tasks")))
    try:
        services.task_complete(actor=user, task=task, expected_version=form.cleaned_data["version"])
    except CaseworkError as error:
        raise_page_error(error)
        messages.error(request, error.message)
    else:
        messages.success(request, f"Task completed: {task.title}.")
    target = request.POST.get("next", "")
    if target not in {"case"} or task.case_id is None:
        return redirect("progression:tasks")
    return redirect(case_section_url(task.case_id, "deadlines"))


# --- notices -----------------------------------------------------------------------------------


@login_required
@list_or_export
def notices(request: HttpRequest, export: bool = False) -> HttpResponse:
    """The person's notices, one per case and event, grouped by urgency with what needs attention
    now at the top, filtered by read state, what they are about and URN, and downloadable as CSV.
    They name defendants and charges, so showing them consults those cases."""
    user = _user(request)
    today = clock.today()
    form = pforms.NoticeFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filtered = digest.notices_filtered(
        user=user, unread=bool(chosen.get("unread")), events=chosen.get("event") or [], urn_prefix=chosen.get("q", "")
    )
    # Only what the page and its CSV show of each notice and its case: a manager can have a thousand.
    items = list(filtered.only(*digest.NOTICE_PAGE_FIELDS)[:NOTICES_SHOWN])
    cases = notice_reads.visible_cases(user=user, case_ids={n.case_id for n in items if n.case_id})
    groups = notice_reads.notice_groups(
        notices=items, state=notice_reads.case_flags(cases=cases, today=today), today=today
    )
    query = request.GET.urlencode()
    if export:
        disclosure = disclosure_or_form(
            request,
            what="your notices (CSV)",
            back_href=reverse("progression:notices") + ("?" + query if query else ""),
        )
        if isinstance(disclosure, HttpResponse):
            return disclosure
        response = HttpResponse(
            exports.notices_export(
                actor=user, groups=groups, purpose=disclosure.purpose, recipient=disclosure.recipient
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="casework-notices.csv"'
        return response
    for group in groups:
        group.limit = NOTICE_ROWS
    rows = [item for group in groups for item in group.rows]
    # Only the notices shown consult their cases, and only the cases the reader may still see (the
    # flags of the rest are worked out, not shown).
    visible = set(cases.values_list("pk", flat=True))
    case_services.cases_consulted(
        actor=user,
        purpose="Notices",
        case_ids=sorted({item.latest.case_id for item in rows if item.latest.case_id is not None} & visible),
    )
    standing_out = [item for item in rows if item.stands_out]
    shown = sum(len(group.items) for group in groups)
    return render(
        request,
        "progression/notices.html",
        {
            "groups": groups,
            "standing_out": standing_out,
            "unread": sum(group.unread for group in groups),
            "any_notices": bool(items),
            "form": form,
            "filtered": bool(chosen and any(chosen.values())),
            "shown": shown,
            "selected": _selected_notice_filters(form, chosen, query),
            "export_href": reverse("progression:notices_export") + ("?" + query if query else ""),
        },
    )


def _selected_notice_filters(form: Any, chosen: dict[str, Any], query: str) -> list[tuple[str, str]]:
    """Each filter in force as (label, link that removes it): the MoJ pattern's selected filters."""
    params = QueryDict(query, mutable=True)
    selected: list[tuple[str, str]] = []

    def without(key: str, value: str | None = None) -> str:
        rest = params.copy()
        if value is None:
            rest.pop(key, None)
        else:
            rest.setlist(key, [v for v in rest.getlist(key) if v != value])
        encoded = rest.urlencode()
        return reverse("progression:notices") + ("?" + encoded if encoded else "")

    if chosen.get("unread"):
        selected.append(("Unread only", without("unread")))
    labels = dict(form.fields["event"].choices)
    for value in chosen.get("event") or []:
        selected.append((str(labels.get(value, value)), without("event", value)))
    if chosen.get("q"):
        selected.append((f"URN starting {chosen['q']}", without("q")))
    return selected


#: The notices page reads at most this many of a person's newest notices (before coalescing).
NOTICES_SHOWN = 1000
#: Each urgency group shows its most urgent this many; the rest are counted, filterable and in the CSV.
#: A legal manager can hold hundreds of notices, and rendering them all took most of a second.
NOTICE_ROWS = 50


@login_required
@require_POST
def notices_mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one case and event's notices read (`notice`, one or several ids), or all with none."""
    raw = request.POST.getlist("notice")
    ids = [i for i in (id_param(value) for value in raw) if i is not None]
    if raw and len(ids) != len(raw):
        raise Http404("Notice not found.")
    with page_errors():
        changed = digest.notice_mark_read(actor=_user(request), notice_ids=ids if raw else None)
    messages.success(request, f"{changed} notice{'s' if changed != 1 else ''} marked as read.")
    return redirect("progression:notices")


# --- the unit board ----------------------------------------------------------------------------


@login_required
@list_or_export
def unit_board(request: HttpRequest, export: bool = False) -> HttpResponseBase:
    user = _user(request)
    requested = request.GET.get("unit", "")
    with page_errors():
        unit_id, choose_unit = reads.board_unit_for(user, id_param(requested))
    form = pforms.BoardFilterForm(request.GET or None, unit_id=unit_id, choose_unit=choose_unit)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    lawyer = cleaned.get("lawyer")

    def read_board(rows: int | None) -> reads.Board | None:
        if unit_id is None:
            return None
        return reads.unit_board(
            user=user, unit_id=unit_id, today=clock.today(), lawyer_id=lawyer.pk if lawyer else None, rows=rows
        )

    if export:
        if unit_id is None:
            raise Http404("Choose a unit first.")
        # Who the file is for and why first: the whole board is read only for the file itself.
        disclosure = disclosure_or_form(
            request, what="the progression board (CSV)", back_href=reverse("progression:board")
        )
        if isinstance(disclosure, HttpResponse):
            return disclosure
        lines = exports.board_export(
            actor=user,
            unit=Unit.objects.get(pk=unit_id),
            today=clock.today(),
            lawyer_id=lawyer.pk if lawyer else None,
            purpose=disclosure.purpose,
            recipient=disclosure.recipient,
        )
        return streaming.csv_response(lines, "casework-progression-board.csv")
    board = read_board(reads.BOARD_ROWS)
    if board is not None:
        # The board names defendants, offences and URNs: a consultation of each case on it.
        case_services.cases_consulted(actor=user, purpose="Progression board", case_ids=board.case_ids())
    params = {key: request.GET[key] for key in ("unit", "lawyer") if request.GET.get(key)}
    return render(
        request,
        "progression/board.html",
        {
            "form": form,
            "board": board,
            "choose_unit": choose_unit,
            "export_href": reverse("progression:board_export") + ("?" + urlencode(params) if params else ""),
            "windows": reads.CTL_WINDOWS,
            # The board's figures link to the shared lists for the same unit (and prosecutor).
            "figure_query": "?" + urlencode(params) if params else "",
        },
    )


# --- the calendar feed -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_caseworker(user)
    new_url = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            _feed, token = feeds.calendar_feed_create(actor=user)
            new_url = request.build_absolute_uri(reverse("progression:calendar_ics", kwargs={"token": token}))
            messages.success(request, "Your calendar feed address has been made. Copy it now: it is shown only once.")
        elif action == "revoke":
            raw = request.POST.get("feed", "")
            with page_errors():
                feeds.calendar_feed_revoke(actor=user, feed_id=id_param(raw) or 0)
            messages.success(request, "Calendar feed revoked. Calendars using the old address stop updating.")
            return redirect("progression:calendar")
        else:
            raise Http404("Unknown action.")
    return render(request, "progression/calendar.html", {"feed": feeds.active_feed(user=user), "new_url": new_url})


@require_GET
def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no session (calendar clients cannot sign in); the secret URL is the key."""
    with page_errors():
        body = feeds.calendar_feed_read(token=token)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="casework.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the CTL calculator (not tied to a case) ------------------------------------------------------


def _require_cps_staff(user: Any) -> None:
    if not user.role_codes & CPS_STAFF_ROLES:
        raise Http404("Page not found.")


def _calculator_history(form: pforms.CtlCalculatorForm) -> calculator.History:
    data = form.cleaned_data
    return calculator.History(
        regime=calculator.Regime(data["regime"]),
        start=data["start"],
        today=data["today"] or clock.today(),
        events=[calculator.parse_event(text) for text in form.events_text()],
        summary_trial_decided_on=data["summary_trial_decided_on"],
        prior_custody_days=data["prior_custody_days"] or 0,
        first_custody_on=data["first_custody"],
        born_on=data["born"],
    )


def _calculator_page(
    request: HttpRequest, form: pforms.CtlCalculatorForm, reckoner: pforms.ReckonerForm, answer: Any, status: int = 200
) -> HttpResponse:
    tag = None
    if answer is not None:
        expires = answer.reading.expires_on
        tag = reads.ctl_tag(answer.reading.status.value, answer.days_left if expires else None)
    return render(
        request,
        "progression/calculator.html",
        {"form": form, "reckoner": reckoner, "answer": answer, "tag": tag, "today": clock.today()},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def ctl_calculator(request: HttpRequest) -> HttpResponse:
    """Work out a custody time limit from a history typed in by hand, with what-if events. The same
    engine as the case pages; nothing is saved."""
    _require_cps_staff(_user(request))
    form = pforms.CtlCalculatorForm(request.GET or None)
    answer = None
    if form.is_bound and form.is_valid():
        try:
            answer = calculator.calculate(
                _calculator_history(form), rules=selectors.engine_rules(), calendar=working_calendar()
            )
        except (InvalidInput, RuleNotFound, CalendarNotCovered) as exc:
            form.add_error(None, services.sentence(str(exc)))
    reckoner = pforms.ReckonerForm(initial={"year": clock.today().year, "file_format": "csv"})
    return _calculator_page(request, form, reckoner, answer, status=400 if form.is_bound and form.errors else 200)


@login_required
@require_POST
def ctl_reckoner(request: HttpRequest) -> HttpResponse:
    """Download the yearly ready reckoner: every start date of a year and its expiry per regime."""
    user = _user(request)
    _require_cps_staff(user)
    reckoner = pforms.ReckonerForm(request.POST)
    if not reckoner.is_valid():
        return _calculator_page(request, pforms.CtlCalculatorForm(), reckoner, None, status=400)
    year, file_format = reckoner.cleaned_data["year"], reckoner.cleaned_data["file_format"]
    try:
        table = calculator.ready_reckoner(year, rules=selectors.engine_rules(), calendar=working_calendar())
    except (RuleNotFound, CalendarNotCovered) as exc:
        reckoner.add_error("year", services.sentence(str(exc)))
        return _calculator_page(request, pforms.CtlCalculatorForm(), reckoner, None, status=400)
    body, content_type = exports.reckoner_export(actor=user, table=table, file_format=file_format)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="ctl-ready-reckoner-{year}.{file_format}"'
    return response
