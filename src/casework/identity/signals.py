"""Sign-in, sign-out and failed sign-in go to the audit trail (security events)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.identity import sign_in_throttle


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        audit.record(actor=user, action=Action.LOGIN, subject=user, subject_label=user.username)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        with transaction.atomic():
            audit.record(actor=user, action=Action.LOGOUT, subject=user, subject_label=user.username)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    sign_in_throttle.login_failure_record(username=str(credentials.get("username", ""))[:150])
