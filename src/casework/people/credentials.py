"""A person's credentials changed: the hook other apps take part in (casework.core.extensions).

Sent inside the transaction that changed a person's password (changed, reset, or set by an
administrator) or switched the account off. The API app declares a listener that revokes the
person's tokens, so a credential that was given up cannot live on as a token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casework.core.extensions import ExtensionPoint

CredentialsListener = Callable[..., None]

#: AppConfig.credentials_changed_listeners = ("dotted.path.to.listener",); called as
#: listener(user=..., actor=..., reason=...).
CREDENTIALS_CHANGED_LISTENERS = ExtensionPoint[CredentialsListener](
    "credentials_changed_listeners",
    "Called inside the transaction that changed a person's password or switched the account off.",
)


def credentials_changed(*, user: Any, actor: Any, reason: str) -> None:
    """Tell every listener this person's credentials changed (call inside the change's transaction)."""
    for listener in CREDENTIALS_CHANGED_LISTENERS:
        listener(user=user, actor=actor, reason=reason)
