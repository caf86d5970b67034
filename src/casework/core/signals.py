"""Signals between apps (the few places one app must react to another without importing it)."""

from django.dispatch import Signal

#: Sent after the transaction that changed a case commits; kwargs: case_id.
case_changed = Signal()
