"""Sign-in throttling: failed attempts are recorded (and audited), and too many recent failures for
a username or from an address lock sign-in for a while."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

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


def prune_login_failures(*, now: dt.datetime) -> int:
    """Throttling rows outlive their window for nothing: the audit trail keeps the record. Run by
    core's daily housekeeping (IdentityConfig.housekeeping)."""
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    deleted, _ = LoginFailure.objects.filter(occurred_at__lt=now - window).delete()
    return deleted
