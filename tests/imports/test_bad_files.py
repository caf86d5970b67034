"""Bad files get clear errors and change nothing."""

from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.core.errors import ValidationFailed
from casework.imports.models import ImportRun, RunStatus
from casework.imports.readers import MAX_CELL_CHARS, MAX_COLUMNS, looks_like_formula
from casework.imports.services import import_run
from casework.imports.validation import ALREADY_RECORDED
from tests.factories import make_case
from tests.imports.conftest import CASE_HEADINGS, DEFENDANT_HEADINGS, case_rows, csv_bytes, standard_files, xlsx_bytes


@pytest.fixture
def unchanged(personas):
    cases, events = Case.objects.count(), AuditEvent.objects.count()
    yield
    assert (Case.objects.count(), AuditEvent.objects.count()) == (cases, events)


def run(personas, mapping, files, actor="admin"):
    return import_run(actor=getattr(personas, actor), files=files, mapping=mapping, unit=personas.unit_a)


def problems(result):
    assert result.status == RunStatus.REJECTED
    return [(p.sheet, p.row, p.column, p.value, p.reason) for p in result.problems.all()]


def test_wrong_encoding(personas, mapping, unchanged):
    data = "URN,Operation name\n42IM0000001,Opération\n".encode("latin-1")
    with pytest.raises(ValidationFailed, match="not UTF-8"):
        run(personas, mapping, [("cases.csv", data)])


def test_missing_columns(personas, mapping, unchanged):
    with pytest.raises(ValidationFailed, match=r"missing the column.*URN"):
        run(personas, mapping, [("cases.csv", csv_bytes(["Operation name"], [["Op"]]))])


def test_wrong_sheet(personas, mapping, unchanged):
    data = xlsx_bytes({"Sheet1": (CASE_HEADINGS, case_rows(1))})
    with pytest.raises(ValidationFailed, match="'Sheet1' is not one this mapping reads"):
        run(personas, mapping, [("register.xlsx", data)])


def test_not_a_workbook(personas, mapping, unchanged):
    with pytest.raises(ValidationFailed, match="not a readable XLSX"):
        run(personas, mapping, [("register.xlsx", b"PK\x03\x04 broken")])


def test_unsupported_file_type(personas, mapping, unchanged):
    with pytest.raises(ValidationFailed, match=r"only \.csv and \.xlsx"):
        run(personas, mapping, [("cases.txt", b"URN\n")])


def test_formula_cells_in_xlsx_are_refused(personas, mapping, unchanged):
    rows = case_rows(2)
    rows[1][1] = '=HYPERLINK("http://evil.example","click")'
    result = run(personas, mapping, [("r.xlsx", xlsx_bytes({"cases": (CASE_HEADINGS, rows)}))])
    assert problems(result) == [
        (
            "cases",
            3,
            "Operation name",
            '=HYPERLINK("http://evil.example","click")',
            "Formulas are not accepted: enter the value itself.",
        )
    ]


@pytest.mark.parametrize("value", ["=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3+cmd", "\t=1"])
def test_formula_like_text_detected(value):
    assert looks_like_formula(value)


@pytest.mark.parametrize("value", ["-12.5", "Operation = Larch", "", "42"])
def test_ordinary_text_is_not_a_formula(value):
    assert not looks_like_formula(value)


def test_huge_cell_and_wide_row(personas, mapping, unchanged):
    rows = case_rows(1)
    rows[0][2] = "x" * (MAX_CELL_CHARS + 1)
    result = run(personas, mapping, [("cases.csv", csv_bytes(CASE_HEADINGS, rows))])
    assert problems(result)[0][1:3] == (2, "Summary") and "Longer than" in problems(result)[0][4]
    wide = case_rows(1)
    wide[0] += ["x"] * MAX_COLUMNS
    with pytest.raises(ValidationFailed, match="columns; at most"):
        run(personas, mapping, [("cases.csv", csv_bytes(CASE_HEADINGS, wide))])


def test_row_report_lists_every_bad_row_and_nothing_is_written(personas, mapping, unchanged):
    rows = case_rows(4)
    rows[0][0] = "bad urn!"
    rows[1][5] = "flying"
    rows[2][3] = "Atlantis Police"
    defendants = [[rows[3][0], "", "Doe", "31/02/1980", "custody"], ["99ZZ9999999", "A", "B", "", ""]]
    result = run(
        personas,
        mapping,
        [("cases.csv", csv_bytes(CASE_HEADINGS, rows)), ("defendants.csv", csv_bytes(DEFENDANT_HEADINGS, defendants))],
    )
    found = problems(result)
    assert found[0][:3] == ("cases", 2, "URN") and "6 to 20 letters" in found[0][4]
    assert found[1][:4] == ("cases", 3, "Stage", "flying")
    assert found[2][:5] == ("cases", 4, "Lead force", "Atlantis Police", "Unknown police force.")
    columns = {(p[0], p[1], p[2]) for p in found}
    assert {("defendants", 2, "First names"), ("defendants", 2, "Date of birth"), ("defendants", 3, "URN")} <= columns
    assert result.error_count == len(found) and ImportRun.objects.get().status == RunStatus.REJECTED


def test_duplicate_urn_in_file(personas, mapping, unchanged):
    rows = case_rows(1) * 2
    found = problems(run(personas, mapping, [("cases.csv", csv_bytes(CASE_HEADINGS, rows))]))
    assert found == [("cases", 3, "URN", "42IM0000000", "This URN appears twice in the file.")]


def test_urn_of_another_unit_is_refused_without_saying_which(personas, mapping):
    other = make_case(actor=personas.prosecutor_b, urn="42IM0000000", allocated_lawyer_id=personas.prosecutor_b.pk)
    found = problems(run(personas, mapping, [("cases.csv", csv_bytes(CASE_HEADINGS, case_rows(1)))]))
    assert found == [("cases", 2, "URN", "42IM0000000", ALREADY_RECORDED)]
    assert "unit" not in ALREADY_RECORDED.split(".")[0]
    other.refresh_from_db()
    assert other.unit == personas.unit_b and other.version == 1


def _parts_for(urn: str) -> list[tuple[str, bytes]]:
    files = [f for f in standard_files(1) if f[0] != "cases.csv"]
    return [("cases.csv", csv_bytes(CASE_HEADINGS, []))] + [
        (name, data.replace(b"42IM0000000", urn.encode())) for name, data in files
    ]


def test_part_rows_for_cases_already_recorded_in_the_unit(personas, mapping):
    case = make_case(actor=personas.manager_a, urn="42IM7777777")
    result = run(personas, mapping, _parts_for("42IM7777777"), actor="manager_a")
    assert result.status == RunStatus.COMPLETED and result.created_count == 3
    assert case.defendants.get().charges.count() == 1 and case.hearings.count() == 1


def test_an_administrators_import_cannot_add_to_a_recorded_case(personas, mapping):
    """Administrators never change case content: parts for a recorded case are refused, in the same
    words as a URN recorded in another unit (so the answer reveals neither where nor what)."""
    case = make_case(actor=personas.manager_a, urn="42IM7777777")
    found = problems(run(personas, mapping, _parts_for("42IM7777777")))
    assert {reason for *_, reason in found} == {ALREADY_RECORDED}
    assert {sheet for sheet, *_ in found} == {"defendants", "charges", "hearings"}
    assert not case.defendants.exists() and not case.hearings.exists() and case.version == 1
