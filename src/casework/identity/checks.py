"""Deployment checks for sign-in (run by `casework check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def administrators_use_a_second_factor(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.MFA_FOR_ADMINISTRATORS or settings.CASEWORK_DEMO_MODE or not settings.LOCAL_LOGIN:
        return []
    return [
        checks.Warning(
            "Administrators sign in with a password alone (MFA_FOR_ADMINISTRATORS=0).",
            hint="Unset MFA_FOR_ADMINISTRATORS: it is only for the demo.",
            id="casework.identity.W001",
        )
    ]
