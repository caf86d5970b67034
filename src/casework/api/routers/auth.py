"""Tokens: issue (with username and password), inspect, revoke."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError

from casework.api import services
from casework.api.render import unit_ref
from casework.api.schemas import ErrorOut, MeOut, RevokedOut, TokenOut, TokenRequest
from casework.core.errors import CaseworkError
from casework.core.middleware import client_address
from casework.people import services as people_services

router = Router(tags=["auth"])

BAD_CREDENTIALS = "The username or password is not correct."


@router.post("/token", auth=None, response={201: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def token_issue(request: HttpRequest, payload: TokenRequest) -> Status[TokenOut]:
    """Exchange a username and password for a bearer token. The token is shown only in this response."""
    # The same throttle as the sign-in page, checked before the password so a locked account
    # cannot be probed.
    if people_services.login_is_locked(username=payload.username, client_address=client_address(request)):
        raise HttpError(429, "Too many failed sign-in attempts. Wait 15 minutes, then try again.")
    # authenticate() sends user_login_failed on failure, which records and audits the attempt.
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise HttpError(401, BAD_CREDENTIALS)
    people_services.login_failures_clear(username=payload.username)
    issued = services.api_token_issue(actor=user, name=payload.name)
    return Status(201, TokenOut(token=issued.token, expires_at=issued.record.expires_at))


@router.post("/revoke", response={200: RevokedOut, 400: ErrorOut})
def token_revoke(request: HttpRequest) -> RevokedOut:
    """Revoke the token this request was made with. It stops working at once."""
    token = getattr(request, "api_token", None)
    if token is None:
        raise CaseworkError("This request was not made with a token, so there is no token to revoke.")
    services.api_token_revoke(actor=request.auth, token=token)  # type: ignore[attr-defined]
    return RevokedOut(revoked=True)


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    """Who the API thinks you are, and how you authenticated."""
    user = request.auth  # type: ignore[attr-defined]
    token = getattr(request, "api_token", None)
    return MeOut(
        id=user.pk,
        username=user.username,
        name=user.display_name,
        roles=sorted(user.role_codes),
        unit=unit_ref(user.unit) if user.unit_id else None,  # type: ignore[arg-type]
        authenticated_by="token" if token is not None else "session",
        token_expires_at=token.expires_at if token is not None else None,
    )
