"""The partnership sweep: agreement reviews and expiry, SLA breaches and escalation up the ladder."""

from __future__ import annotations

import datetime as dt

from casework.core import clock
from casework.partners import services


def partners_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    day = today or clock.today()
    return {**services.agreements_review_sweep(today=day), **services.breaches_sweep(today=day)}
