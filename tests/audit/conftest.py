from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from casework.audit import services
from casework.audit.services import SYSTEM_ACTOR, PendingEvent


@pytest.fixture(autouse=True)
def audit_paths(settings, tmp_path: Path) -> Path:
    """Checkpoints and the signing key in a throwaway directory, never the real var/."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "keys" / "audit-signing-key.pem"
    return tmp_path


@pytest.fixture
def make_events(db: None) -> Callable[[int], None]:
    def make(count: int) -> None:
        events = [
            PendingEvent(action="alter", subject_type="cases.case", subject_id=str(i), subject_label=f"Case {i}")
            for i in range(count)
        ]
        services.record_many(actor=SYSTEM_ACTOR, events=events)

    return make


def drop_append_only_triggers() -> None:
    """Inside the test transaction, so the rollback at the end of the test restores them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update ON audit_auditevent")


def raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
