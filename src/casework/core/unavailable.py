"""The server-error handler: a database that cannot be reached (down, restarting, disk full,
locked) is a temporary condition, so it gets a plain 503 with Retry-After instead of the generic
500 page. API callers get the API's JSON error shape. The traceback goes to the log, never to
the user (Django logs it before calling this handler).
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

RETRY_AFTER_SECONDS = 30
MESSAGE = (
    "The service cannot store or read its data at the moment (its database is unavailable or full). "
    "Try again in a few minutes. "
    "If you were saving a change, check whether it was saved before making it again."
)


def database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 for database unavailability, Django's 500 page for anything else."""
    if not database_unavailable(sys.exc_info()[1]):
        return defaults.server_error(request)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": MESSAGE, "errors": {}}, status=503)
    else:
        # Rendered without the request: context processors would query the database again.
        response = HttpResponse(loader.get_template("503.html").render({"message": MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
