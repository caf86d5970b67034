"""E-mails from individual quality assessments: requests (acknowledge your feedback, second-mark an
assessment) and reminders for steps gone overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from casework.notifications import services as notifications
from casework.people.models import User
from casework.quality import selectors
from casework.quality.choices import AssessmentStatus
from casework.quality.models import Assessment


def _send(
    kind: str, *, person: Any, step: str, assessment: Any, due: dt.date | None, link: str, once_key: str | None = None
) -> Any:
    return notifications.notify(
        kind=kind,
        to=notifications.Recipient.for_user(person),
        personalisation={
            "name": person.display_name,
            "step": step,
            "urn": assessment.case.urn,
            "due_date": f"{due.day} {due:%B %Y}" if due else "as soon as you can",
            "link": notifications.absolute_url(link),
        },
        case_ids=[assessment.case_id],
        justification="Individual quality assessment request to the person who must act",
        once_key=once_key,
    )


def feedback_to_acknowledge(*, assessment: Any, due: dt.date | None) -> None:
    _send(
        "iqa_request",
        person=assessment.prosecutor,
        step="Read and acknowledge the feedback on your casework",
        assessment=assessment,
        due=due,
        link=reverse("quality:assessment", args=[assessment.pk]),
    )


def second_marking_requested(*, moderation: Any) -> None:
    _send(
        "iqa_request",
        person=moderation.moderator,
        step="Second-mark an assessment (you will not see the first marks)",
        assessment=moderation.assessment,
        due=None,
        link=reverse("quality:moderate", args=[moderation.pk]),
    )


def send_overdue_reminders(*, today: dt.date) -> int:
    """One reminder per overdue step (feedback to give, feedback to acknowledge), ever."""
    policy = selectors.policy_on(today)
    open_steps = Assessment.objects.filter(
        status__in=[AssessmentStatus.SUBMITTED, AssessmentStatus.FEEDBACK_GIVEN]
    ).select_related("case")
    by_id = {a.pk: a for a in open_steps}
    overdue = selectors.overdue_steps(assessments=by_id.values(), policy=policy, today=today)
    people = User.objects.in_bulk({step.owner_id for step in overdue})
    sent = 0
    for step in overdue:
        person, assessment = people.get(step.owner_id), by_id[step.assessment_id]
        if person is None:
            continue
        link = reverse(
            "quality:feedback" if step.step == "Give feedback" else "quality:acknowledge", args=[assessment.pk]
        )
        key = f"iqa-reminder:{assessment.pk}:{step.step}"
        if _send(
            "iqa_reminder",
            person=person,
            step=step.step,
            assessment=assessment,
            due=step.due_on,
            link=link,
            once_key=key,
        ):
            sent += 1
    return sent
