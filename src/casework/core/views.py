"""Error mapping shared by every app's pages (sign-in and the home page live in casework.identity)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404

from casework.core.errors import CaseworkError, NotFound, PermissionDenied

# --- error mapping -------------------------------------------------------------------------------


def http_error_for(error: CaseworkError) -> Exception | None:
    """The page response for a service error, or None when the page should show it on a form."""
    if isinstance(error, NotFound):
        return Http404(error.message)
    if isinstance(error, PermissionDenied):
        return DjangoPermissionDenied(error.message)
    return None


@contextmanager
def page_errors() -> Iterator[None]:
    """Turn NotFound into a 404 page and PermissionDenied into a 403 page; re-raise the rest."""
    try:
        yield
    except CaseworkError as error:
        mapped = http_error_for(error)
        if mapped is None:
            raise
        raise mapped from error
