"""Where the England-and-Wales bank holidays come from.

Default source: the `holidays` package (maintained upstream, England subdivision, substitute
days included), pinned in uv.lock; upgrading it brings new years' dates and one-off holidays. A
JSON file in the format GOV.UK publishes at /bank-holidays.json can be loaded instead, for
deployments that must follow the official list exactly.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import holidays

PACKAGE_SOURCE = f"holidays package {holidays.__version__} (UK, England subdivision)"
GOV_UK_DIVISION = "england-and-wales"


def from_package(first_year: int, last_year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1)))


def from_gov_uk_file(path: Path) -> dict[dt.date, str]:
    """Parse GOV.UK's bank-holidays.json; raise ValueError with a clear message if it is not that."""
    try:
        data = json.loads(path.read_text())
        events = data[GOV_UK_DIVISION]["events"]
        return {dt.date.fromisoformat(event["date"]): str(event["title"]) for event in events}
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(
            f"{path} is not a GOV.UK bank holidays file (expected an '{GOV_UK_DIVISION}' section with events): {exc}"
        ) from exc
