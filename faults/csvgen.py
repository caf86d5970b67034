"""Import files for the kill -9 drill, in the shipped default mapping's CSV format (docs/import.md).

Each case has one defendant, one charge and one hearing, so the expected row and audit counts are
simple arithmetic: every row is one new record and one `collect` event.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

CASE_HEADINGS = ["URN", "Operation name", "Summary", "Lead force", "Accepted on", "Stage"]
DEFENDANT_HEADINGS = ["URN", "First names", "Last name", "Date of birth", "Custody status"]
CHARGE_HEADINGS = ["URN", "First names", "Last name", "Date of birth", "Offence", "Classification", "Charged on"]
HEARING_HEADINGS = ["URN", "Hearing type", "Starts at", "Court", "Outcome"]


@dataclass(frozen=True)
class ImportFiles:
    paths: list[Path]
    urns: list[str]
    rows: dict[str, int]  # section -> data rows

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def urn(prefix: str, number: int) -> str:
    return f"{prefix}{number:07d}"


def _csv(headings: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headings)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def section_rows(count: int, prefix: str) -> dict[str, list[list[str]]]:
    urns = [urn(prefix, n) for n in range(count)]
    return {
        "cases": [
            [u, f"Operation Drill {n}", "Imported by the fault drill", "hampshire", "01/02/2024", "charged"]
            for n, u in enumerate(urns)
        ],
        "defendants": [[u, "Alex", f"Drill{n}", "1980-05-01", "custody"] for n, u in enumerate(urns)],
        "charges": [
            [u, "Alex", f"Drill{n}", "1980-05-01", "Fraud by false representation", "either_way", "2024-03-01"]
            for n, u in enumerate(urns)
        ],
        "hearings": [[u, "ptph", "2024-04-02 10:00", "Winchester Crown Court", ""] for u in urns],
    }


HEADINGS = {
    "cases": CASE_HEADINGS,
    "defendants": DEFENDANT_HEADINGS,
    "charges": CHARGE_HEADINGS,
    "hearings": HEARING_HEADINGS,
}


def write_import_files(directory: Path, *, count: int, prefix: str = "42FD") -> ImportFiles:
    """Write cases.csv, defendants.csv, charges.csv and hearings.csv for `count` cases."""
    directory.mkdir(parents=True, exist_ok=True)
    sections = section_rows(count, prefix)
    paths = []
    for section, rows in sections.items():
        path = directory / f"{section}.csv"
        path.write_bytes(_csv(HEADINGS[section], rows))
        paths.append(path)
    return ImportFiles(
        paths=paths,
        urns=[row[0] for row in sections["cases"]],
        rows={section: len(rows) for section, rows in sections.items()},
    )
