from __future__ import annotations

import re
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from casework.core import context


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a trusted proxy rewrites it,
    # and deployments that need it set REMOTE_ADDR at the proxy (see docs/deployment.md).
    return request.META.get("REMOTE_ADDR", "")


#: A caller's request id is kept (for tracing across services) only if it looks like one: letters,
#: digits and - _ . : up to 64 characters. Anything else (control characters, markup, a forged
#: log line) is replaced by our own id before it reaches the audit trail or the logs.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def valid_request_id(value: str) -> str:
    return value if _REQUEST_ID.fullmatch(value) else ""


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = valid_request_id(request.headers.get("X-Request-Id", "")) or context.new_request_id()
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.activate(
            context.RequestContext(request_id=request_id, client_address=client_address(request), channel=channel)
        )
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-Id"] = request_id
        return response


class IdleTimeoutMiddleware:
    """End a signed-in session after SESSION_IDLE_TIMEOUT_SECONDS without a request, and in any case
    SESSION_COOKIE_AGE after it began (Django's own expiry slides forward with every save)."""

    KEY = "last_seen"
    STARTED_KEY = "signed_in_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last_seen = request.session.get(self.KEY)
            started = int(request.session.setdefault(self.STARTED_KEY, now))
            idle = last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_TIMEOUT_SECONDS
            if idle or now - started > settings.SESSION_COOKIE_AGE:
                logout(request)
                reason = "you were inactive" if idle else "your session reached its time limit"
                messages.info(request, f"You were signed out because {reason}. Sign in again to continue.")
                if not request.path.startswith("/api/"):
                    return redirect(f"{settings.LOGIN_URL and '/login/'}?next={request.path}")
            else:
                request.session[self.KEY] = now
        response = self.get_response(request)
        if request.user.is_authenticated and hasattr(request, "session"):
            # The sign-in request itself: the clocks start when the session is born.
            request.session.setdefault(self.STARTED_KEY, int(time.time()))
        return response


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy: the service uses only its own scripts and styles."""

    POLICY = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Everywhere, the admin and the API docs included (they serve only their own scripts).
        response.setdefault("Content-Security-Policy", self.POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
