from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from casework.people.models import User

#: The demo's sign-ins, one for each role.
PERSONAS = (
    "prosecutor.a",
    "paralegal.a",
    "manager.a",
    "unithead.a",
    "area.a",
    "hq.analyst",
    "hq.policy",
    "inspector",
    "police.x",
    "admin",
)


@pytest.fixture
def demo_clients(db) -> dict[str, Client]:
    call_command("load_demo", cases=24, seed=7, verbosity=0)
    clients = {}
    for username in PERSONAS:
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=username))
        clients[username] = client
    return clients
