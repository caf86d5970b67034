from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from casework.people.models import User

#: The demo's sign-ins with an overview, one for each role.
OVERVIEW_PERSONAS = (
    "prosecutor.a",
    "paralegal.a",
    "manager.a",
    "unithead.a",
    "area.a",
    "hq.analyst",
    "inspector",
    "police.x",
)


@pytest.fixture
def demo(db) -> None:
    call_command("load_demo", cases=80, seed=7, verbosity=0)


def client_for(username: str) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(User.objects.get(username=username))
    return client
