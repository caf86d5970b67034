"""Background work for the audit trail, run by `casework worker`."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from casework.audit.checkpoints import chain_length, checkpoint_create


@task()
def audit_checkpoint_task() -> dict[str, Any]:
    """Sign a Merkle tree head over every event so far (a no-op when nothing new was recorded)."""
    if chain_length() == 0:
        return {"tree_size": 0, "root_hash": None}
    checkpoint = checkpoint_create(actor=None)
    return {"tree_size": checkpoint.tree_size, "root_hash": checkpoint.root_hash}
