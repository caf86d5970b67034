"""Case visibility for lower layers that must not import the case register (e-mail notifications
check through NOTIFICATIONS_CASE_VISIBILITY that a recipient may open every case a message names)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from casework.cases.models import Case


def visible_case_ids(*, user: Any, case_ids: Iterable[int]) -> set[int]:
    return set(Case.objects.visible_to(user).filter(pk__in=list(case_ids)).values_list("pk", flat=True))
