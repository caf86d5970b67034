"""The progression and assurance commands: output, JSON shape and clear errors for bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_ctl_expiry_text_explains_the_computation(db):
    text = run("ctl_expiry", "--regime", "summary", "--start", "2026-02-09")
    assert text.startswith("Expires on Thursday 2 April 2026 (2026-04-02)")
    assert "Sun, Sat and Good Friday precede it" in text


def test_ctl_expiry_json(db):
    data = json.loads(
        run("ctl_expiry", "--regime", "crown", "--start", "2026-06-01", "--prior-custody-days", "10", "--json")
    )
    assert data["expires_on"] == "2026-11-20" and data["limit_days"] == 182
    assert data["rule_version"] == "ctl.crown@2001-01-15" and isinstance(data["explanation"], list)


def test_ctl_expiry_either_way_reduced_limit(db):
    data = json.loads(
        run(
            "ctl_expiry",
            "--regime",
            "either_way",
            "--start",
            "2026-01-05",
            "--summary-trial-decided-on",
            "2026-02-01",
            "--json",
        )
    )
    assert (data["expires_on"], data["limit_days"]) == ("2026-03-02", 56)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--regime", "crown", "--start", "2026-02-30"], "is not a real date"),
        (["--regime", "crown", "--start", "2026-02-03", "--prior-custody-days", "182"], "must be fewer than the limit"),
        (
            ["--regime", "summary", "--start", "2026-02-03", "--summary-trial-decided-on", "2026-02-04"],
            "only to the either-way regime",
        ),
        (["--regime", "crown", "--start", "1970-01-01"], "no version of rule ctl.crown"),
    ],
)
def test_ctl_expiry_bad_input_is_a_clear_error(db, args, message):
    with pytest.raises(CommandError, match=message):
        run("ctl_expiry", *args)


def test_unknown_regime_is_refused_by_the_parser(db):
    with pytest.raises(CommandError, match="invalid choice"):
        run("ctl_expiry", "--regime", "magistrates", "--start", "2026-01-01")


@pytest.mark.parametrize("command", ["progression_sweep", "assurance_sweep"])
def test_sweeps_refuse_unknown_units_and_dates(db, command):
    with pytest.raises(CommandError, match=r"No unit with code 'nope'\. Known units: ccu-"):
        run(command, "--unit", "nope")
    with pytest.raises(CommandError, match="--date: '2026-99-01' is not a real date"):
        run(command, "--date", "2026-99-01")


@pytest.mark.parametrize("command", ["progression_sweep", "assurance_sweep"])
def test_sweeps_report_json_and_are_idempotent(personas, case_a, command):
    first = json.loads(run(command, "--json", "--unit", "ccu-wessex", "--date", "2026-06-01"))
    second = json.loads(run(command, "--json", "--unit", "ccu-wessex", "--date", "2026-06-01"))
    # The second run on the same day finds nothing changed and works nothing out again.
    assert first["cases"] == 1 and second["cases"] == 0 and second["cases_unchanged"] == 1
    if command == "assurance_sweep":
        assert second["verdicts_opened"] == 0
    else:
        assert second["deadlines_created"] == 0 and second["audit_events"] == 0


def test_calendar_refresh_from_a_gov_uk_file(db, tmp_path: Path):
    good = tmp_path / "bank-holidays.json"
    good.write_text(
        json.dumps(
            {
                "england-and-wales": {
                    "division": "england-and-wales",
                    "events": [{"title": "Coronation holiday", "date": "2041-05-08", "notes": "", "bunting": True}],
                }
            }
        )
    )
    assert "Added 1" in run("calendar_refresh", "--gov-uk-file", str(good))
    assert "Added 0" in run("calendar_refresh", "--gov-uk-file", str(good))
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps({"scotland": {}}))
    with pytest.raises(CommandError, match=r"is not a GOV\.UK bank holidays file"):
        run("calendar_refresh", "--gov-uk-file", str(bad))


def test_calendar_refresh_from_the_package_says_which_years_are_now_held(db):
    text = run("calendar_refresh", "--from-year", "2040", "--to-year", "2041")
    assert "Years now held in full: 2040, 2041." in text
    assert "Years now held" not in run("calendar_refresh", "--from-year", "2040", "--to-year", "2041")
