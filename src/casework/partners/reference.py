"""Reference data for the police partnership: the CPS central casework divisions a referral can be
sent to instead of a CCU. Names change with reorganisations, so each has the dates it existed and
its source; only divisions in existence on the day can be chosen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from casework.partners.choices import CentralDivision


@dataclass(frozen=True)
class Division:
    code: str
    effective_from: dt.date
    effective_to: dt.date | None  # first day it no longer exists
    source: str

    def exists_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


SEOCID_FROM = dt.date(2022, 4, 1)
#: The Special Crime Division and the Counter Terrorism Division merged in 2011; the exact day is
#: not recorded here, so the start of that year is used.
SCCTD_FROM = dt.date(2011, 1, 1)

CENTRAL_DIVISIONS: list[Division] = [
    Division(
        CentralDivision.SEOCID,
        SEOCID_FROM,
        None,
        "CPS: the Serious Economic, Organised Crime and International Directorate, formed on 1 April 2022 from the "
        "Specialist Fraud Division and the International Justice and Organised Crime Division",
    ),
    Division(
        CentralDivision.SCCTD,
        SCCTD_FROM,
        None,
        "CPS: the Special Crime and Counter Terrorism Division (terrorism, Official Secrets Act, war crimes; "
        "assisted suicide is decided there, not in a CCU)",
    ),
    Division(CentralDivision.SPECIALIST_FRAUD, dt.date(2014, 4, 1), SEOCID_FROM, "Merged into SEOCID"),
    Division(CentralDivision.INTERNATIONAL, dt.date(2018, 4, 1), SEOCID_FROM, "Merged into SEOCID"),
    Division(CentralDivision.SPECIAL_CRIME, dt.date(1987, 1, 1), SCCTD_FROM, "Merged into SCCTD"),
    Division(CentralDivision.COUNTER_TERRORISM, dt.date(2005, 1, 1), SCCTD_FROM, "Merged into SCCTD"),
]


def divisions_on(day: dt.date) -> list[tuple[str, str]]:
    """(code, name) of the divisions a referral can be sent to on `day`."""
    labels = dict(CentralDivision.choices)
    return [(d.code, labels[d.code]) for d in CENTRAL_DIVISIONS if d.exists_on(day)]
