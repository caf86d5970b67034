"""OpenID Connect issuers from the environment, checked once at start-up.

The organisation's own provider (CPS staff, e.g. Microsoft Entra ID) is configured with
OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_ROLE_CLAIM and OIDC_ROLE_MAP. Each further
provider, typically one per police force, is named in OIDC_PROVIDERS and configured with the same
variables prefixed by its name (OIDC_HAMPSHIRE_ISSUER, ...) plus OIDC_<NAME>_FORCE, the code of the
force it speaks for.

OIDC_ROLE_MAP maps a value of the role claim (a group id, an app role) to what it grants: a role
code, or an object {"role": ..., "unit": ..., "area": ..., "force": ...}, or a list of them. A
force's provider may grant only that force's police liaison role; the organisation's provider may
grant any staff role but never the police role. Anything else is refused here, at start-up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from casework.people.choices import RoleCode

DEFAULT_PROVIDER = "organisation"
POLICE_ROLE = RoleCode.POLICE_LIAISON.value


@dataclass(frozen=True)
class Grant:
    """What one claim value gives: a role, and the unit, Area or force it is held in."""

    role: str | None = None
    unit: str | None = None
    area: str | None = None
    force: str | None = None


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    role_claim: str
    role_map: Mapping[str, tuple[Grant, ...]]
    scopes: str = "openid email profile"
    #: A police force's provider: the code of the one force it may make liaison officers for.
    force: str | None = None
    #: E-mail domains this provider speaks for: an existing account with such an address and no
    #: link yet is matched on first sign-in. Empty: accounts are matched by subject only.
    email_domains: tuple[str, ...] = field(default_factory=tuple)

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @property
    def is_police(self) -> bool:
        return self.force is not None

    def may_grant(self, grant: Grant) -> bool:
        """A force's provider: only its own force's liaison officers. Staff provider: never police."""
        if self.is_police:
            return grant.role in (None, POLICE_ROLE) and grant.force in (None, self.force) and not grant.unit
        return grant.role != POLICE_ROLE and grant.force is None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _grant(value: Any, where: str) -> Grant:
    if isinstance(value, str):
        value = {"role": value}
    if not isinstance(value, dict) or not set(value) <= {"role", "unit", "area", "force"}:
        raise ImproperlyConfigured(f"{where}: each entry is a role code or an object with role, unit, area or force.")
    role = value.get("role")
    if role is not None and role not in RoleCode.values:
        raise ImproperlyConfigured(f"{where}: {role!r} is not a role code ({', '.join(RoleCode.values)}).")
    return Grant(role=role, unit=value.get("unit"), area=value.get("area"), force=value.get("force"))


def parse_role_map(text: str, where: str) -> dict[str, tuple[Grant, ...]]:
    try:
        raw = json.loads(text or "{}")
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{where} is not valid JSON: {error}") from error
    if not isinstance(raw, dict) or not raw:
        raise ImproperlyConfigured(f"{where} must be a JSON object mapping claim values to roles.")
    role_map = {}
    for claim_value, spec in raw.items():
        specs = spec if isinstance(spec, list) else [spec]
        role_map[str(claim_value)] = tuple(_grant(item, f"{where}[{claim_value!r}]") for item in specs)
    return role_map


def _provider(env: Mapping[str, str], name: str, prefix: str) -> Provider:
    def get(key: str, default: str = "") -> str:
        return env.get(f"{prefix}{key}", default).strip()

    missing = [f"{prefix}{key}" for key in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "ROLE_MAP") if not get(key)]
    if missing:
        raise ImproperlyConfigured(f"OpenID Connect provider {name!r} needs {', '.join(missing)}.")
    issuer = get("ISSUER")
    parts = urlsplit(issuer)
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname or "")):
        raise ImproperlyConfigured(f"{prefix}ISSUER must be an https:// address (got {issuer!r}).")
    force = get("FORCE") or None
    if name == DEFAULT_PROVIDER and force:
        raise ImproperlyConfigured("OIDC_FORCE is for a police force's provider: name it in OIDC_PROVIDERS instead.")
    default_label = "Sign in with your organisation account" if force is None else f"Sign in with {name} police"
    provider = Provider(
        name=name,
        label=get("LABEL", default_label),
        issuer=issuer,
        client_id=get("CLIENT_ID"),
        client_secret=get("CLIENT_SECRET"),
        role_claim=get("ROLE_CLAIM", "groups"),
        role_map=parse_role_map(get("ROLE_MAP"), f"{prefix}ROLE_MAP"),
        scopes=get("SCOPES", "openid email profile"),
        force=force,
        email_domains=tuple(d.strip().lower().lstrip("@") for d in get("EMAIL_DOMAINS").split(",") if d.strip()),
    )
    for claim_value, grants in provider.role_map.items():
        for grant in grants:
            if not provider.may_grant(grant):
                why = (
                    f"force {force!r}'s provider can only make that force's police liaison officers"
                    if force
                    else "organisation provider cannot grant the police role or a force"
                )
                raise ImproperlyConfigured(f"{prefix}ROLE_MAP[{claim_value!r}]: the {why}.")
    return provider


def from_environment(env: Mapping[str, str]) -> dict[str, Provider]:
    """Every configured provider by name (the organisation's first). Raises ImproperlyConfigured."""
    providers: dict[str, Provider] = {}
    if env.get("OIDC_ISSUER", "").strip():
        providers[DEFAULT_PROVIDER] = _provider(env, DEFAULT_PROVIDER, "OIDC_")
    for raw_name in env.get("OIDC_PROVIDERS", "").split(","):
        name = raw_name.strip().lower()
        if not name:
            continue
        if not name.isidentifier() or name == DEFAULT_PROVIDER:
            raise ImproperlyConfigured(
                f"OIDC_PROVIDERS: {raw_name!r} is not a usable provider name (letters, digits, _)."
            )
        provider = _provider(env, name, f"OIDC_{name.upper()}_")
        if provider.force is None:
            raise ImproperlyConfigured(
                f"OIDC_{name.upper()}_FORCE must name the police force this provider speaks for."
            )
        providers[name] = provider
    issuers = [p.issuer.rstrip("/") for p in providers.values()]
    if len(set(issuers)) != len(issuers):
        raise ImproperlyConfigured("Two OpenID Connect providers share an issuer: each needs its own.")
    return providers


_cache: tuple[Mapping[str, str], dict[str, Provider]] | None = None


def providers() -> dict[str, Provider]:
    """The providers in force, parsed once per configuration (tests swap settings.OIDC_ENVIRONMENT)."""
    global _cache
    env = settings.OIDC_ENVIRONMENT
    if _cache is None or _cache[0] is not env:
        _cache = (env, from_environment(env))
    return _cache[1]


def load() -> dict[str, Provider]:
    return providers()
