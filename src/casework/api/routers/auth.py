"""Tokens: issue (with username and password), inspect, revoke."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError

from casework.api import services
from casework.api.models import ApiToken
from casework.api.render import unit_ref
from casework.api.schemas import MeOut, RevokedCountOut, RevokedOut, TokenInfoOut, TokenOut, TokenRequest
from casework.core import clock
from casework.core.api_types import ErrorOut
from casework.core.errors import CaseworkError, NotFound
from casework.core.middleware import client_address
from casework.identity import services as identity_services
from casework.identity import sign_in_throttle
from casework.people.models import User

router = Router(tags=["auth"])

BAD_CREDENTIALS = "The username or password is not correct."


@router.post("/token", auth=None, response={201: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def token_issue(request: HttpRequest, payload: TokenRequest) -> Status[TokenOut]:
    """Exchange a username and password for a bearer token. The token is shown only in this response."""
    if not settings.LOCAL_LOGIN:
        raise HttpError(403, "Password sign-in is switched off. Create a token on your API tokens page instead.")
    # The same throttle as the sign-in page, checked before the password so a locked account
    # cannot be probed.
    if sign_in_throttle.login_is_locked(username=payload.username, client_address=client_address(request)):
        raise HttpError(429, "Too many failed sign-in attempts. Wait 15 minutes, then try again.")
    # authenticate() sends user_login_failed on failure, which records and audits the attempt.
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise HttpError(401, BAD_CREDENTIALS)
    if identity_services.mfa_required(user):
        # A password alone is not enough for this account: tokens come from the signed-in page.
        raise HttpError(403, "This account needs a security code to sign in. Create a token on your API tokens page.")
    sign_in_throttle.login_failures_clear(username=payload.username)
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


def token_info(token: ApiToken) -> TokenInfoOut:
    return TokenInfoOut(
        id=token.pk,
        user_id=token.user_id,
        key_prefix=token.key_prefix,
        name=token.name,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        revoked_reason=token.revoked_reason,
        active=token.revoked_at is None and token.expires_at > clock.now() and token.user.is_active,
    )


@router.get("/tokens", response=list[TokenInfoOut])
def tokens_list(request: HttpRequest) -> list[TokenInfoOut]:
    """Your tokens, newest first (the secrets are never shown again)."""
    user = request.auth  # type: ignore[attr-defined]
    return [token_info(t) for t in services.api_tokens_of(viewer=user, user_id=user.pk)]


@router.post("/tokens/{token_id}/revoke", response={200: TokenInfoOut, 404: ErrorOut})
def token_revoke_by_id(request: HttpRequest, token_id: int) -> TokenInfoOut:
    """Revoke one of your tokens; an administrator may revoke anyone's. Others: 404."""
    token = services.api_token_revoke(actor=request.auth, token=token_id)  # type: ignore[attr-defined]
    return token_info(token)


@router.get("/users/{user_id}/tokens", response={200: list[TokenInfoOut], 404: ErrorOut})
def user_tokens(request: HttpRequest, user_id: int) -> list[TokenInfoOut]:
    """A person's tokens: for an administrator, or the person themself. Others: 404."""
    viewer = request.auth  # type: ignore[attr-defined]
    if viewer.pk != user_id and "administrator" not in viewer.role_codes:
        raise NotFound("Person not found.")
    if not User.objects.visible_to(viewer).filter(pk=user_id).exists():
        raise NotFound("Person not found.")
    return [token_info(t) for t in services.api_tokens_of(viewer=viewer, user_id=user_id)]


@router.post("/users/{user_id}/tokens/revoke", response={200: RevokedCountOut, 404: ErrorOut})
def user_tokens_revoke(request: HttpRequest, user_id: int) -> RevokedCountOut:
    """Revoke every live token of a person (an administrator, or the person themself)."""
    actor = request.auth  # type: ignore[attr-defined]
    if not User.objects.visible_to(actor).filter(pk=user_id).exists():
        raise NotFound("Person not found.")
    count = services.api_tokens_revoke_all(actor=actor, user_id=user_id, reason="all revoked at once")
    return RevokedCountOut(revoked=count)


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
