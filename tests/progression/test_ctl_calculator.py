"""The CTL calculator: `casework ctl_expiry` with the whole history, the calculator page (any
signed-in CPS user) with what-ifs, and the yearly ready reckoner as CSV and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from casework.audit.models import AuditEvent
from tests.factories import Personas
from tests.progression.conftest import date_fields

ALL_PERSONAS = [
    "prosecutor_a",
    "paralegal_a",
    "manager_a",
    "unithead_a",
    "prosecutor_b",
    "area_leader_a",
    "hq",
    "inspector",
    "police_x",
    "police_y",
    "admin",
]
CPS_STAFF = {"prosecutor_a", "paralegal_a", "manager_a", "unithead_a", "prosecutor_b", "area_leader_a", "hq"}


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("ctl_expiry", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_json(*args: str) -> dict:
    return json.loads(run(*args, "--json")[0])


# --- the command line ---------------------------------------------------------------------------


def test_cli_whole_history_json_fields(db) -> None:
    # The case: 56-day limit, 15 used before bail, re-remanded 1 Feb: expires Fri 13 Mar 2026.
    data = run_json(
        "--regime", "either_way", "--start", "2026-01-05", "--summary-trial-decided-on", "2026-01-10",
        "--event", "bailed:2026-01-20", "--event", "remanded:2026-02-01", "--today", "2026-02-01",
    )  # fmt: skip
    assert data["expires_on"] == "2026-03-13" and data["limit_days"] == 56 and data["status"] == "running"
    assert data["days_left"] == 40  # days after today until the expiry day
    assert data["extension_notice_by"] == "2026-03-10"  # magistrates: 13 Mar - 3 = Tue 10 Mar
    assert any("Remanded in custody again on Sunday 1 February 2026" in line for line in data["explanation"])
    assert {"expires_on", "limit_days", "status", "days_left", "extension_notice_by", "explanation"} <= set(data)


def test_cli_extension_event_and_crown_notice(db) -> None:
    data = run_json(
        "--regime", "crown", "--start", "2026-01-05", "--event", "extended:2026-06-29:2026-09-04",
        "--today", "2026-06-30",
    )  # fmt: skip
    # Extended to Fri 4 Sep 2026; Crown Court notice: 4 Sep - 6 = Sat 29 Aug, so Fri 28 Aug.
    assert (data["expires_on"], data["extension_notice_by"], data["extended"]) == ("2026-09-04", "2026-08-28", True)


def test_cli_first_custody_and_born(db) -> None:
    child = run_json(
        "--regime", "crown", "--start", "2020-10-01", "--first-custody", "2020-10-01", "--born", "2004-01-01",
        "--today", "2020-10-02",
    )  # fmt: skip
    adult = run_json(
        "--regime", "crown", "--start", "2020-10-01", "--first-custody", "2020-10-01", "--born", "1990-01-01",
        "--today", "2020-10-02",
    )  # fmt: skip
    assert (child["expires_on"], child["limit_days"]) == ("2021-04-01", 182)
    assert (adult["expires_on"], adult["limit_days"]) == ("2021-05-27", 238)


def test_cli_text_output_and_future_start_warning(db) -> None:
    out, err = run("--regime", "summary", "--start", "2026-02-09", "--today", "2026-01-01")
    assert out.startswith("Expires on Thursday 2 April 2026 (2026-04-02)")
    assert "Serve notice of an extension application by Monday 30 March 2026" in out
    assert "Warning: The start date, Monday 9 February 2026, is after today" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--regime", "crown", "--start", "2026-02-30"], "is not a real date"),
        (
            [
                "--regime",
                "summary",
                "--start",
                "2026-01-05",
                "--event",
                "bailed:2026-01-09",
                "--event",
                "bailed:2026-01-12",
            ],
            "not in custody then",
        ),
        (
            [
                "--regime",
                "crown",
                "--start",
                "2026-01-05",
                "--event",
                "extended:2026-07-07:2026-09-04",
                "--today",
                "2026-07-08",
            ],
            "expired on Monday 6 July 2026",
        ),
        (
            ["--regime", "crown", "--start", "2026-01-05", "--event", "extended:2026-06-29:2026-07-01"],
            "must be later than the current expiry",
        ),
        (["--regime", "summary", "--start", "2026-01-05", "--prior-custody-days", "3"], "only the Crown Court limit"),
        (["--regime", "summary", "--start", "2026-01-05", "--event", "wandered:2026-01-09"], "is not one of"),
        (["--regime", "summary", "--start", "2026-01-05", "--event", "extended:2026-01-09"], "needs both dates"),
        (["--regime", "summary", "--start", "2150-01-05"], "no bank-holiday information for 2150"),
        (["--regime", "crown", "--start", "1970-01-01"], "no version of rule ctl.crown"),
    ],
)
def test_cli_impossible_histories_exit_non_zero_with_a_reason(db, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


# --- the calculator page ------------------------------------------------------------------------------


def calculator_query(regime: str, start: dt.date, **extra: str) -> dict[str, str]:
    return {"regime": regime, **date_fields("start", start), **extra}


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_calculator_is_for_cps_staff_only(client, personas: Personas, persona: str) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("progression:ctl_calculator")).status_code == (200 if persona in CPS_STAFF else 404)
    response = client.post(reverse("progression:ctl_reckoner"), {"year": "2026", "file_format": "csv"})
    assert response.status_code == (200 if persona in CPS_STAFF else 404)


def test_calculator_needs_sign_in(client, db) -> None:
    response = client.get(reverse("progression:ctl_calculator"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_calculator_gives_the_engine_answer_with_a_what_if(client, personas: Personas, time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 1, 20, 10, tzinfo=dt.UTC))
    client.force_login(personas.prosecutor_a)
    # Remanded 5 Jan, decided 10 Jan; what if bailed today (20 Jan) and remanded again on 1 Feb?
    query = calculator_query(
        "either_way",
        dt.date(2026, 1, 5),
        **date_fields("summary_trial_decided_on", dt.date(2026, 1, 10)),
        event_1_kind="bailed",
        **date_fields("event_1_on", dt.date(2026, 1, 20)),
        event_2_kind="remanded",
        **date_fields("event_2_on", dt.date(2026, 2, 1)),
    )
    html = client.get(reverse("progression:ctl_calculator"), query).content.decode()
    assert "Expires 13 March 2026" in html
    assert "event(s) after today are included as what-ifs" in html
    assert "Remanded in custody again on Sunday 1 February 2026" in html
    assert "Serve extension notice by" in html and "10 March 2026" in html


def test_calculator_errors_are_shown_on_the_form(client, personas: Personas) -> None:
    client.force_login(personas.manager_a)
    url = reverse("progression:ctl_calculator")
    missing = client.get(url, {"regime": "summary", **date_fields("start", None)})
    assert missing.status_code == 400 and "govuk-error-summary" in missing.content.decode()
    impossible = client.get(
        url,
        calculator_query(
            "crown",
            dt.date(2026, 1, 5),
            event_1_kind="extended",
            **date_fields("event_1_on", dt.date(2026, 7, 7)),
            **date_fields("event_1_new_expiry", dt.date(2026, 9, 4)),
        ),
    )
    html = impossible.content.decode()
    assert impossible.status_code == 400 and "a court cannot extend a limit that has expired" in html
    no_expiry = client.get(
        url,
        calculator_query(
            "crown", dt.date(2026, 1, 5), event_1_kind="extended", **date_fields("event_1_on", dt.date(2026, 6, 1))
        ),
    )
    assert (
        no_expiry.status_code == 400 and "Enter the new expiry the court set for event 1" in no_expiry.content.decode()
    )


# --- the ready reckoner ---------------------------------------------------------------------------


def test_ready_reckoner_csv_has_every_day_of_the_year(client, personas: Personas) -> None:
    client.force_login(personas.prosecutor_a)
    response = client.post(reverse("progression:ctl_reckoner"), {"year": "2026", "file_format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="ctl-ready-reckoner-2026.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, body = rows[0], rows[1:]
    assert len(body) == 365 and header[0].startswith("Start")
    by_start = {row[0]: row for row in body}
    # Mon 9 Feb 2026: summary 56 -> Thu 2 Apr (Easter); either way 70 -> Mon 20 Apr; either way 56 -> Thu 2 Apr;
    # Crown 182 -> Mon 10 Aug; retrial 112 -> Mon 1 Jun.
    assert by_start["2026-02-09"][2:] == ["2026-04-02", "2026-04-20", "2026-04-02", "2026-08-10", "2026-06-01"]
    # Fri 26 Jun 2026 sent: 182 days = Christmas Day, so Thu 24 Dec.
    assert by_start["2026-06-26"][5] == "2026-12-24"
    event = AuditEvent.objects.get(action="export", subject_type="progression.timelimitrule")
    assert "CTL ready reckoner 2026" in event.subject_label


def test_ready_reckoner_xlsx(client, personas: Personas) -> None:
    client.force_login(personas.hq)
    response = client.post(reverse("progression:ctl_reckoner"), {"year": "2027", "file_format": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert sheet.max_row == 366 and sheet.cell(row=2, column=1).value == "2027-01-01"


def test_ready_reckoner_refuses_a_bad_year(client, personas: Personas) -> None:
    client.force_login(personas.prosecutor_a)
    response = client.post(reverse("progression:ctl_reckoner"), {"year": "1850", "file_format": "csv"})
    assert response.status_code == 400 and "govuk-error-summary" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export", subject_type="progression.timelimitrule").exists()
