"""Subject access (DPA 2018 s.45): the ZIP holds what is held about the person, the log of who
consulted or disclosed it and a readable summary; third parties are redacted and the redactions
listed for a person to check; producing it is audited as a disclosure."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from tests.records.conftest import make_old_case

FILES = {"summary.txt", "records.json", "mentions.csv", "access-log.csv", "redactions.csv", "manifest.json"}


@pytest.fixture
def two_defendants(personas):
    old = make_old_case(personas)
    case_services.defendant_add(actor=personas.manager_a, case=old.case, first_names="Barnaby", last_name="Coldharbour")
    case_services.document_add(
        actor=personas.manager_a,
        case=old.case,
        kind="review_note",
        title="Interview",
        body="Quentella Brackenshaw blamed Barnaby Coldharbour for the missing money.",
    )
    return old


def sar(tmp_path, *args: str) -> tuple[str, zipfile.ZipFile]:
    out = tmp_path / "sar.zip"
    stdout = StringIO()
    call_command(
        "subject-access",
        *args,
        "--out",
        str(out),
        "--actor",
        "records.a",
        "--justification",
        "SAR ref 2026/17",
        stdout=stdout,
    )
    return stdout.getvalue(), zipfile.ZipFile(out)


def test_a_defendant_found_by_name_and_date_of_birth(tmp_path, personas, records_a, two_defendants):
    case = two_defendants.case
    message, pack = sar(tmp_path, "--defendant", "Quentella Brackenshaw", "--date-of-birth", "1961-07-19")
    assert set(pack.namelist()) == FILES
    records = json.loads(pack.read("records.json"))
    [record] = records["defendant_records"]
    assert (record["first_names"], record["last_name"], record["date_of_birth"]) == (
        "Quentella",
        "Brackenshaw",
        "1961-07-19",
    )
    assert record["charges"][0]["offence"] == "Fraud by abuse of position"
    assert "Coldharbour" not in pack.read("records.json").decode()
    mentions = list(csv.DictReader(io.StringIO(pack.read("mentions.csv").decode("utf-8-sig"))))
    interview = next(m for m in mentions if "blamed" in m["text"])
    assert "Coldharbour" not in interview["text"] and "[redacted: third party]" in interview["text"]
    redactions = list(csv.DictReader(io.StringIO(pack.read("redactions.csv").decode("utf-8-sig"))))
    assert redactions and all("third party" in r["reason"] for r in redactions)
    assert any(case.urn in r["where"] for r in redactions)
    log = list(csv.DictReader(io.StringIO(pack.read("access-log.csv").decode("utf-8-sig"))))
    assert any("Preparing Brackenshaw file" in row["justification"] for row in log)
    summary = pack.read("summary.txt").decode()
    assert "section 45" in summary and "s.45(4)" in summary and "redactions.csv" in summary
    assert "SAR ref 2026/17" in summary
    manifest = json.loads(pack.read("manifest.json"))
    assert set(manifest["files"]) == FILES - {"manifest.json"}
    disclosure = AuditEvent.objects.get(action="disclose", subject_type="records.subject_access")
    assert (disclosure.justification, disclosure.recipient) == ("SAR ref 2026/17", "The data subject")
    assert AuditEvent.objects.filter(action="disclose", case_id=case.pk).exists()
    assert "Recorded as a disclosure" in message


def test_a_wrong_date_of_birth_finds_nothing(tmp_path, personas, records_a, two_defendants):
    _, pack = sar(tmp_path, "--defendant", "Quentella Brackenshaw", "--date-of-birth", "1961-07-20")
    assert "Brackenshaw" not in pack.read("records.json").decode()
    assert "No records about this person were found." in pack.read("summary.txt").decode()


def test_a_member_of_staff(tmp_path, personas, records_a, two_defendants):
    _, pack = sar(tmp_path, "--staff", "prosecutor.a")
    records = json.loads(pack.read("records.json"))
    assert records["staff_record"][0]["username"] == "prosecutor.a"
    assert any(row["action"] == "consult" for row in records["actions_recorded_in_the_audit_trail"])


def test_a_witness_named_only_in_free_text(tmp_path, personas, records_a, two_defendants):
    _, pack = sar(tmp_path, "--name", "Barnaby Coldharbour")
    mentions = list(csv.DictReader(io.StringIO(pack.read("mentions.csv").decode("utf-8-sig"))))
    assert any("Barnaby Coldharbour" in m["text"] for m in mentions)


def test_only_a_records_officer_may_answer_and_nothing_is_overwritten(tmp_path, personas, records_a, two_defendants):
    out = tmp_path / "sar.zip"
    with pytest.raises(CommandError, match="records officer"):
        call_command(
            "subject-access",
            "--defendant",
            "Quentella Brackenshaw",
            "--date-of-birth",
            "1961-07-19",
            "--out",
            str(out),
            "--actor",
            "manager.a",
            "--justification",
            "SAR",
        )
    assert not out.exists()
    out.write_bytes(b"earlier")
    with pytest.raises(CommandError, match="never overwritten"):
        call_command(
            "subject-access",
            "--staff",
            "prosecutor.a",
            "--out",
            str(out),
            "--actor",
            "records.a",
            "--justification",
            "SAR",
        )
    assert out.read_bytes() == b"earlier"
    assert not AuditEvent.objects.filter(action="disclose").exists()


def test_a_defendant_needs_a_date_of_birth_or_an_id(tmp_path, records_a):
    with pytest.raises(CommandError, match="date of birth"):
        call_command(
            "subject-access",
            "--defendant",
            "Quentella Brackenshaw",
            "--out",
            str(tmp_path / "x.zip"),
            "--actor",
            "records.a",
            "--justification",
            "SAR",
        )


def test_another_units_defendants_are_not_searched(tmp_path, personas, records_a):
    from casework.cases.services import defendant_add
    from tests.factories import make_case

    case_b = make_case(actor=personas.prosecutor_b, allocated_lawyer_id=personas.prosecutor_b.pk)
    defendant_add(
        actor=personas.prosecutor_b,
        case=case_b,
        first_names="Ottoline",
        last_name="Farrowby",
        date_of_birth=dt.date(1980, 1, 1),
    )
    _, pack = sar(tmp_path, "--defendant", "Ottoline Farrowby", "--date-of-birth", "1980-01-01")
    assert "Farrowby" not in pack.read("records.json").decode()
