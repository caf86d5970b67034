"""Signals between apps (the few places one app must react to another without importing it)."""

from django.dispatch import Signal

#: Sent after the transaction that changed a case commits; kwargs: case_id.
case_changed = Signal()

#: Sent inside the transaction that changed a person's credentials or switched the account off
#: (password changed, reset or set by an administrator; account deactivated).
#: kwargs: user, actor, reason. The API app revokes the person's tokens on it.
credentials_changed = Signal()
