"""Authlib clients for the configured providers: discovery, authorisation code with PKCE (S256),
state and nonce, and the ID token's signature and claims (iss, aud, exp, iat, nonce) checked."""

from __future__ import annotations

from typing import Any

from authlib.integrations.django_client import OAuth
from authlib.integrations.django_client.apps import DjangoOAuth2App

from casework.identity.oidc.config import Provider

#: One client per provider configuration; each caches the provider's discovery document and keys.
_clients: dict[tuple[str, ...], DjangoOAuth2App] = {}
TIMEOUT_SECONDS = 10


class IssuerMismatch(Exception):
    """The discovery document names another issuer than the one configured (a mix-up or a typo)."""


def _key(provider: Provider) -> tuple[str, ...]:
    return (provider.name, provider.issuer, provider.client_id, provider.client_secret, provider.scopes)


def client_for(provider: Provider) -> DjangoOAuth2App:
    key = _key(provider)
    client = _clients.get(key)
    if client is None:
        client = OAuth().register(
            name=provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.metadata_url,
            client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256", "timeout": TIMEOUT_SECONDS},
        )
        _clients[key] = client
    return client


def metadata(provider: Provider) -> dict[str, Any]:
    """The provider's discovery document, checked to be about the configured issuer."""
    document: dict[str, Any] = client_for(provider).load_server_metadata()
    if str(document.get("issuer", "")).rstrip("/") != provider.issuer.rstrip("/"):
        _clients.pop(_key(provider), None)
        raise IssuerMismatch(f"discovery names issuer {document.get('issuer')!r}, configured {provider.issuer!r}")
    return document
