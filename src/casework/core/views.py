"""Error mapping shared by every app's pages (sign-in and the home page live in casework.identity)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

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


# --- pages about the service (linked from every page's footer; open to anyone, signed in or not) ---

SERVICE_PAGES = {
    "help": "core/service/help.html",
    "contact": "core/service/contact.html",
    "accessibility": "core/service/accessibility.html",
    "privacy": "core/service/privacy.html",
    "feedback": "core/service/feedback.html",
}


@require_GET
def service_page(request: HttpRequest, page: str) -> HttpResponse:
    return render(
        request,
        SERVICE_PAGES[page],
        {
            "support_email": settings.SUPPORT_EMAIL,
            "support_phone": settings.SUPPORT_PHONE,
            "data_protection_email": settings.DATA_PROTECTION_EMAIL,
        },
    )
