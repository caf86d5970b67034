from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.notifications.models import OutboundEmail
from tests.factories import Personas


@pytest.fixture
def addressed(personas: Personas) -> Personas:
    for user in personas.all().values():
        user.email = f"{user.username}@example.test"
        user.save(update_fields=["email"])
    return personas


def link_in(kind: str, to: str) -> str:
    """The path of the one-time link in the latest e-mail of this kind to this address."""
    email = OutboundEmail.objects.filter(kind=kind, to_email=to).latest("pk")
    match = re.search(r"https?://[^/]+(/account/set-password/[^/]+/)", email.personalisation["link"])
    assert match, email.personalisation
    return match.group(1)


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    """The code the person's app shows now (or `offset` time steps away)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"
