"""Optimistic locking for API updates: a stale `version` is a 409 that shows what differs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casework.api.render import plain
from casework.core.errors import EditConflict
from casework.core.models import VersionedModel


def conflict(instance: VersionedModel, sent: dict[str, Any]) -> EditConflict:
    """The 409 for a stale edit: {field: [your value, current value]} for each sent field that differs."""
    current = type(instance)._default_manager.get(pk=instance.pk)
    changed = {
        key: [plain(value), plain(getattr(current, key))]
        for key, value in sent.items()
        if plain(getattr(current, key)) != plain(value)
    }
    label = current._meta.verbose_name
    return EditConflict(
        f"Someone else changed this {label} after you read it (it is now at version {current.version}). "
        "Nothing was saved: read it again, then send your changes with the new version.",
        current_version=current.version,
        changed=changed,
    )


def update_with_version(
    *, instance: VersionedModel, version: int, sent: dict[str, Any], update: Callable[[], Any]
) -> None:
    """Run a service update; turn a stale version into the API's conflict report.

    The service only detects staleness when it writes, so a stale request that changes nothing is
    also refused here: the client must not believe its stale view was current.
    """
    loaded_version = instance.version
    try:
        update()
    except EditConflict:
        raise conflict(instance, sent) from None
    nothing_written = instance.version == loaded_version
    if nothing_written and loaded_version != version:
        raise conflict(instance, sent)
