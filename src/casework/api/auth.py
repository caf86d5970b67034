"""How API callers prove who they are: a bearer token for machines, the session for the browser."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from casework.api import services
from casework.partners.middleware import is_police, police_may_reach, police_over_limit


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: checks the hash, expiry, revocation and that the user is active."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        record = services.api_token_authenticate(token=token.strip())
        if record is None:
            return None
        request.api_token = record  # type: ignore[attr-defined]  # /auth/revoke needs to know which token
        user = record.user
        if is_police(user):
            # A force's token reaches the partner API and nothing else, as its browser session does.
            if not police_may_reach(request.path):
                raise Http404("Not found.")
            if police_over_limit(user.pk):
                raise HttpError(429, "Too many requests. Wait a minute and try again.")
        return user


class SessionAuth(APIKeyCookie):
    """The browser's signed-in session. Unsafe methods must carry the CSRF token, as forms do.

    Unlike ninja's own SessionAuth, the CSRF check runs only for a signed-in session, so a
    token client that sends no cookies gets a plain 401 rather than a CSRF failure.
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed. Send the X-CSRFToken header with the csrftoken cookie's value.")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if key is None or user is None or not user.is_authenticated or not user.is_active:
            return None
        return user


#: Tried in order: a request with a valid bearer token never needs a session.
DEFAULT_AUTH = [TokenAuth(), SessionAuth()]
