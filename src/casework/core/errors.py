"""Errors that services raise and every interface (page, API, command) maps the same way."""

from __future__ import annotations

from typing import Any


class CaseworkError(Exception):
    """Base for errors a user can act on. `message` says what to do."""

    status_code = 400

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class ValidationFailed(CaseworkError):
    status_code = 422


class NotFound(CaseworkError):
    """Outside the user's visible set, or absent: the two are deliberately indistinguishable."""

    status_code = 404


class PermissionDenied(CaseworkError):
    """The user can see the thing but may not do this to it."""

    status_code = 403


class TransitionRefused(CaseworkError):
    status_code = 409


class EditConflict(CaseworkError):
    """Optimistic locking: the record changed since the user loaded it."""

    status_code = 409

    def __init__(self, message: str, *, current_version: int, changed: dict[str, Any]) -> None:
        super().__init__(message)
        self.current_version = current_version
        self.changed = changed
