"""Sign-in through an OpenID Connect provider: start (redirect to the provider) and callback."""

from __future__ import annotations

import logging
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from django.contrib.auth import login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from joserfc.errors import JoseError

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.identity.oidc import client as oidc_client
from casework.identity.oidc import provisioning, rules
from casework.identity.oidc.config import Provider, providers

logger = logging.getLogger("casework.identity")
SESSION_KEY = "oidc"
NEXT_KEY = "oidc_next"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

FAILED = rules.Refusal(
    "token rejected",
    "We could not confirm your sign-in with your organisation. "
    "Try again; if it keeps happening, tell your administrator.",
)
UNREACHABLE = rules.Refusal(
    "provider unreachable",
    "Your organisation's sign-in service is not answering. Try again in a few minutes, or tell your administrator.",
)


def _provider(name: str) -> Provider:
    provider = providers().get(name)
    if provider is None:
        raise Http404("No such sign-in provider.")
    return provider


def _refuse(
    request: HttpRequest, provider: Provider, refusal: rules.Refusal, subject: str, status: int
) -> HttpResponse:
    with transaction.atomic():
        audit.record(
            actor=None,
            action=Action.LOGIN_FAILED,
            subject_type="people.user",
            subject_label=f"{provider.name}:{subject}"[:250],
            changes={"reason": [None, refusal.reason[:300]]},
        )
    return render(request, "identity/oidc_refused.html", {"provider": provider, "refusal": refusal}, status=status)


@require_GET
def oidc_start(request: HttpRequest, provider_name: str) -> HttpResponse:
    """Send the person to their provider's authorisation endpoint (state, nonce and PKCE set by Authlib)."""
    provider = _provider(provider_name)
    try:
        oidc_client.metadata(provider)
    except (requests.RequestException, ValueError, oidc_client.IssuerMismatch) as error:
        logger.error("OpenID Connect discovery for %s failed: %s", provider.name, error)
        return render(request, "identity/oidc_refused.html", {"provider": provider, "refusal": UNREACHABLE}, status=503)
    next_url = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        request.session[NEXT_KEY] = next_url
    redirect_uri = request.build_absolute_uri(reverse("oidc_callback", args=[provider.name]))
    response: HttpResponse = oidc_client.client_for(provider).authorize_redirect(request, redirect_uri)
    return response


def _claims(provider: Provider, token: dict[str, Any]) -> dict[str, Any]:
    """The ID token's verified claims; the role claim (and names) from the userinfo endpoint when
    the provider keeps them out of the ID token, provided it speaks of the same subject."""
    claims = dict(token["userinfo"])
    if provider.role_claim not in claims and oidc_client.metadata(provider).get("userinfo_endpoint"):
        extra = dict(oidc_client.client_for(provider).userinfo(token=token))
        if str(extra.get("sub")) != str(claims["sub"]):
            raise ValueError("userinfo is about another subject")
        claims = {**extra, **claims}
    return claims


@require_GET
def oidc_callback(request: HttpRequest, provider_name: str) -> HttpResponse:
    provider = _provider(provider_name)
    client = oidc_client.client_for(provider)
    try:
        oidc_client.metadata(provider)
        token = client.authorize_access_token(request)
        if not token.get("userinfo") or not token.get("id_token"):
            raise ValueError("the provider returned no ID token")
        claims = _claims(provider, token)
    except (OAuthError, JoseError, ValueError, KeyError, oidc_client.IssuerMismatch) as error:
        logger.warning("OpenID Connect sign-in through %s refused: %s", provider.name, error)
        return _refuse(request, provider, rules.Refusal(f"{FAILED.reason}: {error}", FAILED.message), "?", 400)
    except requests.RequestException as error:
        logger.error("OpenID Connect token exchange with %s failed: %s", provider.name, error)
        return _refuse(request, provider, UNREACHABLE, "?", 503)
    result = provisioning.provision(provider=provider, claims=claims)
    if isinstance(result, rules.Refusal):
        return _refuse(request, provider, result, str(claims.get("sub")), 403)
    next_url = request.session.pop(NEXT_KEY, "") or reverse("home")
    login(request, result, backend=MODEL_BACKEND)
    request.session[SESSION_KEY] = {"provider": provider.name, "id_token": token["id_token"]}
    return redirect(next_url)


def end_session_url(request: HttpRequest, oidc_session: dict[str, Any]) -> str | None:
    """The provider's end-session address for this sign-in (RP-initiated logout), or None."""
    provider = providers().get(str(oidc_session.get("provider")))
    if provider is None:
        return None
    try:
        if not oidc_client.metadata(provider).get("end_session_endpoint"):
            return None
        result = oidc_client.client_for(provider).create_logout_url(
            post_logout_redirect_uri=request.build_absolute_uri(reverse("login")),
            id_token_hint=oidc_session.get("id_token"),
            client_id=provider.client_id,
        )
    except (requests.RequestException, ValueError, RuntimeError, oidc_client.IssuerMismatch):
        return None
    return str(result["url"])
