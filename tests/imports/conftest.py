from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import Workbook

from casework.imports.mapping import Mapping, load_mapping

CASE_HEADINGS = ["URN", "Operation name", "Summary", "Lead force", "Accepted on", "Stage"]
DEFENDANT_HEADINGS = ["URN", "First names", "Last name", "Date of birth", "Custody status"]
CHARGE_HEADINGS = ["URN", "First names", "Last name", "Date of birth", "Offence", "Classification", "Charged on"]
HEARING_HEADINGS = ["URN", "Hearing type", "Starts at", "Court", "Outcome"]


def csv_bytes(headings: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(sheets: dict[str, tuple[list[str], list[list[Any]]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, (headings, rows) in sheets.items():
        sheet = workbook.create_sheet(title)
        sheet.append(headings)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def case_rows(count: int, *, prefix: str = "42IM", operation: str = "Operation") -> list[list[Any]]:
    return [
        [f"{prefix}{n:07d}", f"{operation} {n}", "Imported summary", "hampshire", "01/02/2024", "charged"]
        for n in range(count)
    ]


def standard_files(count: int = 3) -> list[tuple[str, bytes]]:
    cases = case_rows(count)
    defendants = [[row[0], "Alex", f"Doe{n}", "1980-05-01", "custody"] for n, row in enumerate(cases)]
    charges = [
        [row[0], "Alex", f"Doe{n}", "1980-05-01", "Fraud by false representation", "either_way", "2024-03-01"]
        for n, row in enumerate(cases)
    ]
    hearings = [[row[0], "ptph", "2024-04-02 10:00", "Winchester Crown Court", ""] for row in cases]
    return [
        ("cases.csv", csv_bytes(CASE_HEADINGS, cases)),
        ("defendants.csv", csv_bytes(DEFENDANT_HEADINGS, defendants)),
        ("charges.csv", csv_bytes(CHARGE_HEADINGS, charges)),
        ("hearings.csv", csv_bytes(HEARING_HEADINGS, hearings)),
    ]


@pytest.fixture
def mapping() -> Mapping:
    return load_mapping()


STAFF_HEADINGS = [
    "Staff number",
    "First names",
    "Last name",
    "Email",
    "Unit",
    "Grade",
    "Roles",
    "FTE",
    "Contracted hours",
    "Working pattern",
    "Line manager staff number",
    "Specialisms",
]
TIME_HEADINGS = ["Staff number", "URN", "Week starting", "Activity", "Hours"]


def staff_rows() -> list[list[Any]]:
    """A manager new in the file listed after her report (written first all the same)."""
    return [
        [
            "S1002",
            "Priya",
            "Shah",
            "priya.shah@example.gov.uk",
            "ccu-wessex",
            "Crown Prosecutor",
            "prosecutor",
            "0.8",
            "29.6",
            "Part time",
            "S1001",
            "fraud; Proceeds of crime and confiscation",
        ],
        [
            "S1001",
            "Jo",
            "Bloggs",
            "jo.bloggs@example.gov.uk",
            "Wessex CCU",
            "legal-manager-1",
            "Legal manager, prosecutor",
            "1",
            "37",
            "full_time",
            "",
            "",
        ],
    ]


def staff_files(rows: list[list[Any]] | None = None) -> list[tuple[str, bytes]]:
    return [("staff.csv", csv_bytes(STAFF_HEADINGS, staff_rows() if rows is None else rows))]


def time_files(rows: list[list[Any]]) -> list[tuple[str, bytes]]:
    return [("time.csv", csv_bytes(TIME_HEADINGS, rows))]
