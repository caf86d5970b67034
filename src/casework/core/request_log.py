"""One log line per request, for monitoring: method, path, status, duration, user id, request id.

Never names, never case data, never the query string (searches carry names) and never a secret
in the path (calendar feed tokens are redacted). Placed inside RequestContextMiddleware so the
request id is the one the audit trail records and the X-Request-Id response header carries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from casework.core import context

logger = logging.getLogger("casework.requests")

#: URL arguments whose value must not reach a log.
SECRET_ARGUMENTS = ("token", "secret", "key")


def loggable_path(request: HttpRequest) -> str:
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if any(word in name for word in SECRET_ARGUMENTS) and str(value):
                path = path.replace(str(value), "[redacted]")
    return path


def user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, or the API token's user; None when nobody is known."""
    auth: Any = getattr(request, "auth", None)  # set by the API's token authentication
    if auth is not None and getattr(auth, "pk", None) is not None:
        return int(auth.pk)
    user: Any = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return int(user.pk)
    return None


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        path = loggable_path(request)
        ctx = context.current()
        fields = {
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": user_id(request),
            "request_id": ctx.request_id,
            "channel": ctx.channel,
        }
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        logger.log(level, "%s %s %s %.1fms", request.method, path, response.status_code, duration_ms, extra=fields)
        return response
