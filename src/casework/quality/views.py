"""IQA pages: my assessments, sampling, the assessment form and its workflow, moderation,
coverage and analytics (with CSV/XLSX exports).

Views parse input, call one service or selector, and render. Police liaison officers and
administrators have no IQA pages (404); individual assessments outside the viewer's set are 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from casework.cases.models import Case
from casework.core import clock, streaming
from casework.core.errors import CaseworkError, EditConflict
from casework.core.forms import apply_service_error
from casework.core.views import http_error_for, page_errors
from casework.people.choices import CASEWORKER_ROLES, NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.quality import exports, rules, selectors, services
from casework.quality import forms as qforms
from casework.quality.choices import AssessmentStatus, ModerationStatus, SampleItemStatus
from casework.quality.models import Assessment, Moderation, SampleDraw, SampleItem, sees_names

QUALITY_ROLES = CASEWORKER_ROLES | UNIT_MANAGER_ROLES | NATIONAL_READ_ROLES | {RoleCode.AREA_LEADERSHIP}
ASSESSOR_ROLES = {RoleCode.LEGAL_MANAGER, RoleCode.UNIT_HEAD}
OVERSIGHT_ROLES = UNIT_MANAGER_ROLES | NATIONAL_READ_ROLES | {RoleCode.AREA_LEADERSHIP}


def _user(request: HttpRequest, roles: AbstractSet[str] = QUALITY_ROLES) -> Any:
    user: Any = request.user
    if not (user.role_codes & roles):
        raise Http404("Page not found.")
    return user


def _fail(form: Any, error: CaseworkError) -> None:
    """Show a service's refusal on the form. A stale version names no field: it is said at the top, and
    the form carries the version now saved so that sending again (after checking) is not refused again."""
    mapped = http_error_for(error)
    if mapped is not None:
        raise mapped from error
    apply_service_error(form, error)
    if isinstance(error, EditConflict):
        form.add_error(None, error.message)
        if form.is_bound and "version" in form.fields:
            form.data = form.data.copy()
            form.data["version"] = str(error.current_version)


def _detail(pk: int) -> HttpResponse:
    return redirect("quality:assessment", assessment_id=pk)


def _quarter(request: HttpRequest) -> rules.Quarter:
    form = qforms.PeriodForm(request.GET)
    if form.is_valid() and form.cleaned_data.get("quarter"):
        return rules.Quarter.parse(form.cleaned_data["quarter"])
    return rules.Quarter.of(clock.today())


# --- home ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    visible = selectors.assessments_for(user)
    today = clock.today()
    mine = visible.filter(prosecutor=user)
    made = visible.filter(assessor=user)
    managed = visible.filter(prosecutor__line_manager=user).exclude(assessor=user)
    overdue = selectors.overdue_steps(
        assessments=visible.filter(status__in=[AssessmentStatus.SUBMITTED, AssessmentStatus.FEEDBACK_GIVEN]),
        policy=selectors.policy_on(today),
        today=today,
    )
    return render(
        request,
        "quality/home.html",
        {
            "mine": mine[:50],
            "made": made[:50],
            "managed": managed[:50],
            "moderations": selectors.moderations_for(user).exclude(status=ModerationStatus.RESOLVED)[:50],
            "overdue": [o for o in overdue if o.owner_id == user.pk],
            "is_assessor": bool(user.role_codes & ASSESSOR_ROLES),
            "is_oversight": bool(user.role_codes & OVERSIGHT_ROLES),
        },
    )


# --- sampling -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sample(request: HttpRequest) -> HttpResponse:
    user = _user(request, ASSESSOR_ROLES)
    prosecutors = list(selectors.prosecutors_in_scope(user).filter(unit_id=user.unit_id).exclude(pk=user.pk))
    form = qforms.SampleForm(
        request.POST or None, prosecutors=prosecutors, initial={"quarter": rules.Quarter.of(clock.today()).label}
    )
    if request.method == "POST" and form.is_valid():
        try:
            draw = services.sample_propose(
                actor=user, prosecutor_id=form.cleaned_data["prosecutor"], quarter=form.cleaned_data["quarter"].upper()
            )
        except CaseworkError as error:
            _fail(form, error)
        else:
            proposed = _count(draw.items.count(), "case")
            messages.success(request, f"Proposed {proposed} for {draw.prosecutor} in {draw.quarter}.")
            return redirect("quality:sample")
    draws = SampleDraw.objects.filter(assessor=user).select_related("prosecutor").prefetch_related("items__case")[:20]
    return render(
        request,
        "quality/sample.html",
        {"form": form, "draws": draws, "proposed": SampleItemStatus.PROPOSED, "start_form": qforms.StartForm()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def sample_swap(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request, ASSESSOR_ROLES)
    item = (
        SampleItem.objects.select_related("draw", "case", "draw__prosecutor")
        .filter(pk=item_id, draw__assessor=user)
        .first()
    )
    if item is None:
        raise Http404("Sample item not found.")
    eligible_ids = [
        c.case_id
        for c in selectors.sample_candidates(prosecutor=item.draw.prosecutor, assessor=user)
        if not c.assessor_involved
    ]
    cases = list(Case.objects.filter(pk__in=eligible_ids).exclude(pk=item.case_id).order_by("urn"))
    form = qforms.SwapForm(request.POST or None, cases=cases)
    if request.method == "POST" and form.is_valid():
        try:
            services.sample_swap(
                actor=user,
                item_id=item.pk,
                replacement_case_id=form.cleaned_data["replacement_case"],
                reason=form.cleaned_data["reason"],
            )
        except CaseworkError as error:
            _fail(form, error)
        else:
            messages.success(request, "Case swapped. The reason is recorded.")
            return redirect("quality:sample")
    return render(
        request,
        "quality/form.html",
        {
            "form": form,
            "title": f"Swap {item.case} out of the sample",
            "submit_label": "Swap case",
            "back": reverse("quality:sample"),
        },
    )


# --- assessments --------------------------------------------------------------------------------


@login_required
@require_POST
def assessment_start(request: HttpRequest) -> HttpResponse:
    user = _user(request, ASSESSOR_ROLES)
    form = qforms.StartForm(request.POST)
    if not form.is_valid():
        raise Http404("Case not found.")
    with page_errors():
        assessment = services.assessment_start(
            actor=user,
            case_id=form.cleaned_data["case_id"],
            kind=form.cleaned_data["kind"],
            sample_item_id=form.cleaned_data.get("sample_item_id"),
        )
    return redirect("quality:edit", assessment_id=assessment.pk)


def _assessment_page(request: HttpRequest, assessment_id: int, **bound: Any) -> HttpResponse:
    """The assessment with its workflow forms; `bound` replaces a form with the one just submitted, so
    its errors and what the user typed are shown."""
    user = _user(request)
    with page_errors():
        assessment = services.assessment_open(actor=user, assessment_id=assessment_id)
    answers = {a.question_id: a for a in assessment.answers.all()}
    sections: dict[int, dict[str, Any]] = {}
    for q in selectors.questions_for(assessment):
        sections.setdefault(q.section_id, {"section": q.section, "rows": []})["rows"].append((q, answers.get(q.pk)))
    moderation = Moderation.objects.filter(assessment=assessment).first()
    # The prosecutor sees the moderation only once any disagreement is settled.
    show_moderation = moderation is not None and (
        user.pk != assessment.prosecutor_id or moderation.status == ModerationStatus.RESOLVED
    )
    version = {"version": assessment.version}
    forms = {
        "feedback_form": qforms.FeedbackForm(initial={**version, "meeting_on": clock.today()}),
        "ack_form": qforms.AcknowledgeForm(initial=version),
        "close_form": qforms.VersionForm(initial=version),
        **bound,
    }
    return render(
        request,
        "quality/assessment.html",
        {
            "a": assessment,
            "sections": sections.values(),
            "moderation": moderation if show_moderation else None,
            "is_assessor": assessment.assessor_id == user.pk,
            "is_prosecutor": assessment.prosecutor_id == user.pk,
            "status": AssessmentStatus,
            **forms,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _assessment_page(request, assessment_id)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The assessor's draft. Saving then submitting are two steps: when the submit is refused the
    answers are already saved, so the page is shown again with the version now saved (a corrected
    resubmit is not stale). A genuine concurrent change is shown with what changed and the user's
    answers kept; sending again is then a deliberate overwrite."""
    user = _user(request, ASSESSOR_ROLES)
    assessment = (
        Assessment.objects.visible_to(user).filter(pk=assessment_id, assessor=user).select_related("case").first()
    )
    if assessment is None:
        raise Http404("Assessment not found.")
    if assessment.status != AssessmentStatus.DRAFT and request.method != "POST":
        return _detail(assessment.pk)
    questions = selectors.questions_for(assessment)
    conflict: list[dict[str, str]] | None = None
    if request.method == "POST":
        form = qforms.SummaryAnswersForm(request.POST.copy(), questions=questions)
        submitting = "submit" in request.POST
        if assessment.status != AssessmentStatus.DRAFT:
            form.add_error(None, _NOT_A_DRAFT.format(status=assessment.get_status_display().lower()))
        elif form.is_valid() and not submitting and not form.answered() and not form.cleaned_data["summary"].strip():
            form.add_error(None, "Answer at least one question, or write your overall comments, before you save")
        if form.is_valid():
            try:
                services.assessment_answers_save(
                    actor=user,
                    assessment_id=assessment.pk,
                    expected_version=form.cleaned_data["version"],
                    answers=form.answers(),
                    summary=form.cleaned_data["summary"],
                )
                if submitting:
                    services.assessment_submit(
                        actor=user, assessment_id=assessment.pk, expected_version=form.cleaned_data["version"] + 1
                    )
                    messages.success(request, "Assessment submitted. Arrange the feedback meeting.")
                    return _detail(assessment.pk)
            except EditConflict:
                conflict = _draft_conflict(form, assessment.pk)
                form.add_error(None, _DRAFT_CONFLICT)
            except CaseworkError as error:
                _fail(form, _answer_fields(form, error))
                _carry_saved_draft(form, assessment.pk)  # the draft save may have gone through
            else:
                answered = sum(1 for value, _comment in form.answers().values() if value)
                messages.success(request, f"Draft saved: {_count(answered, 'question')} answered.")
                return redirect("quality:edit", assessment_id=assessment.pk)
    else:
        version, snapshot = selectors.draft_snapshot(assessment.pk)
        initial: dict[str, Any] = {
            "version": version,
            "summary": assessment.summary,
            "loaded": qforms.sign_draft(assessment.pk, snapshot),
        }
        initial.update(qforms.AnswersForm.initial_answers(assessment.answers.select_related("question")))
        form = qforms.SummaryAnswersForm(initial=initial, questions=questions)
    return render(request, "quality/edit.html", {"a": assessment, "form": form, "conflict": conflict})


_NOT_A_DRAFT = (
    "This assessment has been {status} since you opened this page, so it can no longer be changed. Your answers "
    "below were not saved: open the assessment to see what was sent."
)
_DRAFT_CONFLICT = (
    "Someone else saved this assessment after you opened it (perhaps you, in another tab). Your answers were "
    "not saved and are still in the form: check them against the changes listed, then save or submit again."
)


def _carry_saved_draft(form: Any, assessment_id: int) -> dict[str, list[str]]:
    """Point the form's hidden fields at the draft as saved now, keeping what the user typed; returns
    the saved draft. The form's errors stay (the page is shown again, not re-validated)."""
    version, snapshot = selectors.draft_snapshot(assessment_id)
    form.data["version"] = str(version)
    form.data["loaded"] = qforms.sign_draft(assessment_id, snapshot)
    return snapshot


def _draft_conflict(form: Any, assessment_id: int) -> list[dict[str, str]]:
    """What someone else saved since the user loaded the form, as rows for cases/_conflict.html."""
    loaded = qforms.read_draft(form.data.get("loaded", ""), assessment_id)
    saved = _carry_saved_draft(form, assessment_id)
    labels = {q.code: q.text for q in form.questions}
    rows = []
    for key in rules.draft_changes(loaded, saved):
        value, comment = ([*saved.get(key, []), "", ""])[:2]
        if key == "summary":
            rows.append({"label": "Overall comments", "current": value or "(empty)", "href": "#id_summary"})
        elif key in labels:
            answer = str(qforms.ANSWER_LABELS.get(value, value)) if value else "(no answer)"
            rows.append(
                {
                    "label": labels[key],
                    "current": f"{answer} ({comment})" if comment else answer,
                    "href": f"#id_q_{key}_0",
                }
            )
    return rows


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _answer_fields(form: Any, error: CaseworkError) -> CaseworkError:
    """Services name answers by question code; the form's fields are q_<code>."""
    error.field_errors = {f"q_{k}" if f"q_{k}" in form.fields else k: v for k, v in error.field_errors.items()}
    return error


def _workflow_post(
    request: HttpRequest, assessment_id: int, form_class: Any, form_name: str, act: Any, message: str
) -> HttpResponse:
    """A step of the assessment's workflow. A problem re-shows the assessment page with the form's
    errors and everything the user typed (never a banner after a redirect that loses it)."""
    user = _user(request)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(user, form)
        except CaseworkError as error:
            _fail(form, error)
        else:
            messages.success(request, message)
            return _detail(assessment_id)
    return _assessment_page(request, assessment_id, **{form_name: form})


@login_required
@require_POST
def assessment_feedback(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _workflow_post(
        request,
        assessment_id,
        qforms.FeedbackForm,
        "feedback_form",
        lambda user, form: services.assessment_feedback_record(
            actor=user,
            assessment_id=assessment_id,
            expected_version=form.cleaned_data["version"],
            meeting_on=form.cleaned_data["meeting_on"],
            notes=form.cleaned_data["notes"],
        ),
        "Feedback recorded. The prosecutor is asked to acknowledge it.",
    )


@login_required
@require_POST
def assessment_acknowledge(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _workflow_post(
        request,
        assessment_id,
        qforms.AcknowledgeForm,
        "ack_form",
        lambda user, form: services.assessment_acknowledge(
            actor=user,
            assessment_id=assessment_id,
            expected_version=form.cleaned_data["version"],
            comment=form.comment(),
            disagrees=form.disagrees(),
        ),
        "Thank you: your acknowledgement is recorded.",
    )


@login_required
@require_POST
def assessment_close(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _workflow_post(
        request,
        assessment_id,
        qforms.VersionForm,
        "close_form",
        lambda user, form: services.assessment_close(
            actor=user, assessment_id=assessment_id, expected_version=form.cleaned_data["version"]
        ),
        "Assessment closed.",
    )


# --- moderation ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def moderation_mark(request: HttpRequest, moderation_id: int) -> HttpResponse:
    user = _user(request, ASSESSOR_ROLES)
    moderation = (
        Moderation.objects.select_related("assessment", "assessment__case")
        .filter(pk=moderation_id, moderator=user, status=ModerationStatus.PENDING)
        .first()
    )
    if moderation is None:
        raise Http404("Moderation not found.")
    questions = selectors.questions_for(moderation.assessment)
    form = qforms.AnswersForm(request.POST or None, questions=questions, initial={"version": moderation.version})
    if request.method == "POST" and form.is_valid() and not form.answered():
        form.add_error(None, "Answer the questions before you record the second marking")
    if request.method == "POST" and form.is_valid():
        try:
            services.moderation_submit(
                actor=user,
                moderation_id=moderation.pk,
                expected_version=form.cleaned_data["version"],
                answers=form.answers(),
            )
        except CaseworkError as error:
            _fail(form, _answer_fields(form, error))
        else:
            messages.success(request, "Second marking recorded. You can now compare it with the first marking.")
            return _detail(moderation.assessment_id)
    # Blind: the page shows the case and the questions, never the first marker's answers.
    return render(request, "quality/moderate.html", {"moderation": moderation, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def moderation_resolve(request: HttpRequest, moderation_id: int) -> HttpResponse:
    user = _user(request, ASSESSOR_ROLES)
    moderation = Moderation.objects.filter(pk=moderation_id, status=ModerationStatus.COMPLETED).first()
    if moderation is None or not (
        moderation.moderator_id == user.pk
        or (user.has_role(RoleCode.UNIT_HEAD) and moderation.assessment.unit_id == user.unit_id)
    ):
        raise Http404("Moderation not found.")
    form = qforms.ResolveForm(request.POST or None, initial={"version": moderation.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.moderation_resolve(
                actor=user,
                moderation_id=moderation.pk,
                expected_version=form.cleaned_data["version"],
                outcome=form.cleaned_data["outcome"],
                notes=form.cleaned_data["notes"],
            )
        except CaseworkError as error:
            _fail(form, error)
        else:
            messages.success(request, "Resolution recorded.")
            return _detail(moderation.assessment_id)
    return render(
        request,
        "quality/form.html",
        {
            "form": form,
            "title": "Resolve the marking disagreement",
            "submit_label": "Record outcome",
            "back": reverse("quality:assessment", args=[moderation.assessment_id]),
        },
    )


# --- coverage and analytics -----------------------------------------------------------------------


def _download(body: Iterator[str] | Iterator[bytes], name: str, fmt: str) -> StreamingHttpResponse:
    return streaming.file_response(body, fmt, f"{name}.{fmt}")


#: The coverage page shows at most this many prosecutors, furthest behind first.
COVERAGE_ROWS_SHOWN = 100


@login_required
@require_http_methods(["GET", "HEAD"])
def coverage(request: HttpRequest, fmt: str = "") -> HttpResponse | StreamingHttpResponse:
    user = _user(request, OVERSIGHT_ROLES)
    quarter = _quarter(request)
    if fmt:
        rows, _named = selectors.coverage(user=user, quarter=quarter)
        body = exports.export(
            actor=user,
            what="coverage",
            fmt=fmt,
            header=exports.COVERAGE_HEADER,
            rows=exports.coverage_rows(rows),
            description=quarter.label,
            justification="IQA coverage oversight",
        )
        return _download(body, f"iqa-coverage-{quarter.label}", fmt)
    # Furthest behind first (coverage_for's order): a national reader's table would otherwise be
    # thousands of rows long; the downloads hold every row.
    summary = selectors.coverage_summary(user=user, quarter=quarter, shown=COVERAGE_ROWS_SHOWN)
    return render(
        request,
        "quality/coverage.html",
        {
            "rows": summary.rows,
            "total": summary.total,
            "trimmed": summary.total > len(summary.rows),
            "others": summary.total - len(summary.rows),
            "named": summary.named,
            "quarter": quarter,
            "behind": summary.behind,
            "previous": quarter.previous().label,
            "next": quarter.next().label,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def analytics(request: HttpRequest, fmt: str = "") -> HttpResponse | StreamingHttpResponse:
    user = _user(request, OVERSIGHT_ROLES)
    data = selectors.analytics(user=user)
    if fmt:
        body = exports.export(
            actor=user,
            what="analytics",
            fmt=fmt,
            header=exports.ANALYTICS_HEADER,
            rows=exports.analytics_rows(data),
            description="all periods in scope",
            justification="IQA quality analytics",
        )
        return _download(body, "iqa-analytics", fmt)
    return render(request, "quality/analytics.html", {"data": data, "named": sees_names(user)} | _per_person(data))


#: The analytics page lists at most this many prosecutors or assessors per table, those most in
#: need of attention first; the downloads hold every row.
ANALYTICS_PEOPLE_SHOWN = 50


def _per_person(data: selectors.Analytics) -> dict[str, Any]:
    """The per-person tables as shown: in full when short; otherwise the lowest scores, the flagged
    assessors and the lowest agreement first, cut to ANALYTICS_PEOPLE_SHOWN, with how many there are."""
    limit = ANALYTICS_PEOPLE_SHOWN
    prosecutors, leniency, agreement = data.by_prosecutor, data.leniency, data.agreement_by_assessor
    trimmed = max(len(prosecutors), len(leniency), len(agreement)) > limit
    if len(prosecutors) > limit:
        prosecutors = sorted(prosecutors, key=lambda bar: (bar.value is None, bar.value or 0, bar.label))[:limit]
    if len(leniency) > limit:
        leniency = sorted(leniency, key=lambda pair: not pair[1].flagged)[:limit]
    if len(agreement) > limit:
        agreement = sorted(agreement, key=lambda pair: (pair[1].rate is None, pair[1].rate or 0, pair[0]))[:limit]
    return {
        "trimmed": trimmed,
        "shown": limit,
        "prosecutors": prosecutors,
        "prosecutors_total": len(data.by_prosecutor),
        "prosecutor_caption": (
            f"Score by prosecutor: the {len(prosecutors)} lowest, of {len(data.by_prosecutor)}"
            if len(prosecutors) < len(data.by_prosecutor)
            else "Score by prosecutor"
        ),
        "leniency": leniency,
        "leniency_total": len(data.leniency),
        "agreement_by_assessor": agreement,
        "agreement_total": len(data.agreement_by_assessor),
    }
