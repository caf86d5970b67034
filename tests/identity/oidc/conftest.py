"""Two real OpenID Connect providers (npm oidc-provider, tests/identity/oidc/provider.mjs) for the
sign-in tests: the organisation's (CPS staff, claims in the ID token, as Entra ID sends groups) and
a police force's (Hampshire, claims from the userinfo endpoint). Started once per test session on
free loopback ports; stopped at the end."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "casework"
CLIENT_SECRET = "a-long-client-secret-for-the-test-provider"
CALLBACK = "http://testserver/login/oidc/{name}/callback/"

CPS_ACCOUNTS = {
    "alice": {
        "email": "alice.archer@cps.example",
        "email_verified": True,
        "given_name": "Alice",
        "family_name": "Archer",
        "preferred_username": "alice.archer",
        "groups": ["ccu-wessex-prosecutors", "all-staff"],
    },
    "mona": {
        "email": "mona.marsh@cps.example",
        "given_name": "Mona",
        "family_name": "Marsh",
        "preferred_username": "mona.marsh",
        "groups": ["ccu-wessex-managers", "casework-admins"],
    },
    "nobody": {"email": "nobody@cps.example", "given_name": "Norm", "family_name": "Body", "groups": ["all-staff"]},
}
CPS_ROLE_MAP = {
    "ccu-wessex-prosecutors": {"role": "prosecutor", "unit": "ccu-wessex"},
    "ccu-wessex-managers": {"role": "legal_manager", "unit": "ccu-wessex"},
    "casework-admins": "administrator",
}
FORCE_ACCOUNTS = {
    "pc-hale": {
        "email": "pc.hale@hampshire.police.example",
        "given_name": "Pat",
        "family_name": "Hale",
        "groups": ["casework-liaison"],
    },
    # A force user whose groups carry the CPS groups' names: the force's map must never make them CPS staff.
    "pc-greedy": {
        "email": "greedy@hampshire.police.example",
        "given_name": "Greg",
        "family_name": "Reedy",
        "groups": ["ccu-wessex-prosecutors", "casework-admins", "casework-liaison"],
    },
    "pc-other": {
        "email": "other@hampshire.police.example",
        "given_name": "Olly",
        "family_name": "Ther",
        "groups": ["ccu-wessex-prosecutors"],
    },
}
FORCE_ROLE_MAP = {"casework-liaison": {"role": "police_liaison"}}


@dataclass
class RealProvider:
    name: str
    url: str
    accounts: dict[str, dict]
    process: subprocess.Popen[bytes]

    def control(self, what: str, body: dict) -> None:
        response = requests.post(f"{self.url}/__test__/{what}", json=body, timeout=5)
        response.raise_for_status()

    def reset(self) -> None:
        self.control("accounts", self.accounts)
        self.control("fault", {"mode": None})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(name: str, accounts: dict, *, claims_in_id_token: bool, log: Path) -> RealProvider:
    node = shutil.which("node")
    assert node, "Node.js is needed for the OpenID Connect tests (the README's setup installs it)"
    assert (REPO_ROOT / "node_modules" / "oidc-provider").exists(), "run `npm ci` (make setup) first"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "ISSUER": url,
        "CLAIMS_IN_ID_TOKEN": "1" if claims_in_id_token else "0",
        "ACCOUNTS": json.dumps(accounts),
        "CLIENTS": json.dumps(
            [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": [CALLBACK.format(name=name)],
                    "post_logout_redirect_uris": ["http://testserver/login/"],
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                }
            ]
        ),
    }
    out = log.open("ab")
    process = subprocess.Popen([node, str(SCRIPT)], cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the test provider exited ({process.returncode}):\n{log.read_text()}")
        try:
            if requests.get(f"{url}/.well-known/openid-configuration", timeout=1).status_code == 200:
                return RealProvider(name=name, url=url, accounts=accounts, process=process)
        except requests.RequestException:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the test provider did not start:\n{log.read_text()}")


@pytest.fixture(scope="session")
def real_providers(tmp_path_factory) -> Iterator[dict[str, RealProvider]]:
    log = tmp_path_factory.mktemp("oidc") / "providers.log"
    started = [
        _start("organisation", CPS_ACCOUNTS, claims_in_id_token=True, log=log),
        _start("hampshire", FORCE_ACCOUNTS, claims_in_id_token=False, log=log),
    ]
    try:
        yield {p.name: p for p in started}
    finally:
        for provider in started:
            provider.process.terminate()
            try:
                provider.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                provider.process.kill()


def oidc_environment(providers: dict[str, RealProvider], **overrides: str) -> dict[str, str]:
    cps, force = providers["organisation"], providers["hampshire"]
    env = {
        "OIDC_ISSUER": cps.url,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_ROLE_CLAIM": "groups",
        "OIDC_ROLE_MAP": json.dumps(CPS_ROLE_MAP),
        "OIDC_EMAIL_DOMAINS": "cps.example",
        "OIDC_PROVIDERS": "hampshire",
        "OIDC_HAMPSHIRE_ISSUER": force.url,
        "OIDC_HAMPSHIRE_CLIENT_ID": CLIENT_ID,
        "OIDC_HAMPSHIRE_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_HAMPSHIRE_ROLE_MAP": json.dumps(FORCE_ROLE_MAP),
        "OIDC_HAMPSHIRE_FORCE": "hampshire",
        "OIDC_HAMPSHIRE_LABEL": "Sign in with Hampshire Constabulary",
    }
    env.update(overrides)
    return env


@pytest.fixture
def providers_configured(real_providers, settings) -> dict[str, RealProvider]:
    for provider in real_providers.values():
        provider.reset()
    settings.OIDC_ENVIRONMENT = oidc_environment(real_providers)
    return real_providers


@dataclass
class Flow:
    authorize_url: str
    callback_url: str
    response: object


def sign_in(client, provider: RealProvider, sub: str, *, fault: str | None = None, next_url: str = "") -> Flow:
    """The browser's part: our start page, the provider's pages (fresh cookies), back to our callback."""
    provider.control("login", {"sub": sub})
    if fault:
        provider.control("fault", {"mode": fault})
    start = client.get(f"/login/oidc/{provider.name}/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.content
    authorize_url = location = start["Location"]
    browser = requests.Session()
    for _ in range(10):
        if not location.startswith(provider.url):
            break
        answer = browser.get(location, allow_redirects=False, timeout=5)
        assert answer.status_code in (302, 303), answer.text
        location = urljoin(location, answer.headers["Location"])
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK.format(name=provider.name), location
    return Flow(authorize_url=authorize_url, callback_url=location, response=client.get(f"{parts.path}?{parts.query}"))
