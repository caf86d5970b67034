"""Writes for people and sign-in security."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock, context
from casework.people.models import LoginFailure


@transaction.atomic
def login_failure_record(*, username: str) -> None:
    address = context.current().client_address
    LoginFailure.objects.create(username=username.lower(), client_address=address, occurred_at=clock.now())
    audit.record(actor=None, action=Action.LOGIN_FAILED, subject_type="people.user", subject_label=username)


def login_is_locked(*, username: str, client_address: str) -> bool:
    """Too many recent failures for this username, or from this address (password spraying)."""
    since = clock.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(occurred_at__gte=since)
    limit = settings.LOGIN_FAILURE_LIMIT
    if recent.filter(username=username.lower()).count() >= limit:
        return True
    return bool(client_address) and recent.filter(client_address=client_address).count() >= limit * 4


@transaction.atomic
def login_failures_clear(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()


@transaction.atomic
def person_open(*, actor: Any, person_id: int, justification: str = "") -> Any:
    """Open a person record (a report about a person is a consultation under s.62)."""
    from casework.core.errors import NotFound
    from casework.people.models import User

    person = (
        User.objects.visible_to(actor)
        .select_related("unit", "grade", "team", "line_manager")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise NotFound("Person not found.")
    reason = justification or ("Own record" if person.pk == actor.pk else "Line management / unit oversight")
    audit.record(
        actor=actor, action=Action.CONSULT, subject=person, subject_label=person.username, justification=reason
    )
    return person
