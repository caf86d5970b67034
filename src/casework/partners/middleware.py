"""Police liaison officers reach only the portal (and signing in/out). Every other page is the same
404 as a page that does not exist, so a force account learns nothing about the rest of the service.
Their requests are also rate-limited per user."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from casework.core import clock
from casework.people.choices import RoleCode

#: Per-user requests a minute (shared across processes when the cache is shared, e.g. Redis or DB cache).
DEFAULT_RATE_PER_MINUTE = 120


def _allowed_prefixes() -> tuple[str, ...]:
    static = settings.STATIC_URL if str(settings.STATIC_URL).startswith("/") else f"/{settings.STATIC_URL}"
    return (
        reverse("partners:portal"),
        reverse("login"),
        reverse("logout"),
        reverse("password_change"),
        "/api/v1/partners/",
        "/api/v1/auth/",
        static,
    )


class PolicePortalOnlyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and RoleCode.POLICE_LIAISON in user.role_codes:
            path = request.path
            if path != reverse("home") and not path.startswith(_allowed_prefixes()):
                raise Http404("Not found.")
            if self._over_limit(user.pk):
                return HttpResponse(
                    "Too many requests. Wait a minute and try again.",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)

    def _over_limit(self, user_id: int) -> bool:
        limit = int(getattr(settings, "PARTNERS_POLICE_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE))
        key = f"partners:police-rate:{user_id}:{clock.now():%Y%m%d%H%M}"
        if cache.add(key, 1, timeout=90):
            return False
        try:
            count = cache.incr(key)
        except ValueError:
            return False
        return count > limit
