"""Police liaison officers reach only the portal, their overview (and signing in/out). Every other page is the same
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
        reverse("workday:overview"),  # the force's overview and the lists behind it (force scope only)
        reverse("login"),
        reverse("logout"),
        reverse("password_change"),
        reverse("help").removesuffix("help/"),  # help, contact, accessibility, privacy, feedback
        "/api/v1/partners/",
        "/api/v1/auth/",
        static,
    )


def is_police(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and RoleCode.POLICE_LIAISON in user.role_codes  # type: ignore[attr-defined]


def police_may_reach(path: str) -> bool:
    return path == reverse("home") or path.startswith(_allowed_prefixes())


def police_over_limit(user_id: int) -> bool:
    limit = int(getattr(settings, "PARTNERS_POLICE_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE))
    key = f"partners:police-rate:{user_id}:{clock.now():%Y%m%d%H%M}"
    if cache.add(key, 1, timeout=90):
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        return False
    return count > limit


class PolicePortalOnlyMiddleware:
    """The browser side of the rule. API bearer tokens are held to the same rule in
    casework.api.auth.TokenAuth, because a token request has no session user at this point."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if is_police(user):
            if not police_may_reach(request.path):
                raise Http404("Not found.")
            if police_over_limit(user.pk):  # type: ignore[union-attr]
                return HttpResponse(
                    "Too many requests. Wait a minute and try again.",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)
