"""Cheap checks of the benchmark helpers: the figures they compute and the data they generate."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from casework.audit.models import AuditEvent
from casework.audit.verification import verify_chain
from casework.cases.models import Case, Hearing
from compare import compare_reports, markdown
from measure import growth, headline, ratio, timed
from run import _without
from scenarios import _raw_register_insert, api_edit, audit_top_up, import_files, recheck_rate


def _report(cases: int, backend: str, list_ms: float, verify_rate: int) -> dict:
    return {
        "backend": backend,
        "scale": {"cases": cases},
        "figures": [
            {"name": "case list", "subject": {"median_ms": list_ms}, "ratio": 3.0},
            {"name": "audit verify", "seconds": 9.0, "events_per_second": verify_rate, "ratio": 1.1},
            {"name": "only small", "seconds": 1.0},
        ],
    }


def test_ratio_and_headline() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None and ratio(1.0, 0) is None
    assert headline({"subject": {"median_ms": 12.5}}) == 12.5
    # Throughput wins over seconds: the volume (events, import size) differs between scales.
    assert headline({"seconds": 9.0, "events_per_second": 100}) == 100
    assert headline({"seconds": 4.0}) == 4.0


def test_growth_matches_figures_by_name() -> None:
    rows = growth(_report(10_000, "sqlite", 10.0, 300_000), _report(100_000, "sqlite", 15.0, 270_000))
    by_name = {row["name"]: row for row in rows}
    assert by_name["case list"]["growth"] == 1.5 and by_name["case list"]["cases_growth"] == 10.0
    assert by_name["audit verify"]["growth"] == 0.9
    assert by_name["case list"]["baseline_ratio_small"] == 3.0


def test_compare_reports_pairs_backends_of_merged_reports() -> None:
    small = {"runs": [_report(10_000, "sqlite", 10.0, 1), _report(10_000, "postgres", 20.0, 1)]}
    large = _report(100_000, "sqlite", 30.0, 1)
    result = compare_reports(small, large)
    assert list(result) == ["sqlite"]  # no PostgreSQL run at the large scale: nothing to compare
    assert "| sqlite | case list | 10.0 | 30.0 | 3.0× | 10.0× |" in markdown(result)


def test_without_drops_options_and_their_values() -> None:
    argv = ["--cases", "10", "--backend", "both", "--out=x.json", "--repeat", "3"]
    assert _without(argv, "--backend", "--out") == ["--cases", "10", "--repeat", "3"]


def test_timed_stops_at_its_budget() -> None:
    result = timed(lambda: None, repeat=10_000, warmup=0, budget_seconds=0.0)
    assert result["runs"] == 3 and result["median_ms"] >= 0


@pytest.mark.django_db
def test_generated_import_files_import_and_raw_baseline_leaves_nothing(personas, tmp_path) -> None:
    paths = import_files(tmp_path, first=0, count=4)
    call_command("import", *map(str, paths), "--unit", "ccu-wessex", stdout=io.StringIO())
    urns = [f"77BN{n:07d}" for n in range(4)]
    assert Case.objects.filter(urn__in=urns).count() == 4
    assert Hearing.objects.filter(case__urn__in=urns).count() == 4
    seconds, cpu_seconds = _raw_register_insert(urns)
    assert seconds > 0 and cpu_seconds >= 0
    assert not Case.objects.filter(urn__startswith="78BN").exists()  # the baseline's copies were rolled back


@pytest.mark.django_db
def test_audit_top_up_appends_through_the_chain(personas) -> None:
    target = AuditEvent.objects.count() + 25
    result = audit_top_up(target, batch=10)
    assert result["added"] == 25 and AuditEvent.objects.count() == target
    assert audit_top_up(target)["added"] == 0
    assert verify_chain().intact


@pytest.mark.django_db
def test_api_edit_times_audited_edits_against_gets_of_the_same_case(personas, case_a) -> None:
    figure = api_edit(repeat=3, budget=0.0)
    assert figure["subject"]["runs"] == figure["baseline"]["runs"] == 3
    assert figure["queries"]["edit"] > figure["queries"]["get"] > 0
    edits = AuditEvent.objects.filter(case_id=case_a.pk, action="alter", subject_type="cases.case")
    assert edits.count() == 3 + 1 + 3  # warm-up, counted, timed
    case_a.refresh_from_db()
    assert case_a.summary == "Benchmark API edit 7"


@pytest.mark.django_db
def test_recheck_rate_runs_the_queue_the_import_left(personas, tmp_path) -> None:
    call_command(
        "import", *map(str, import_files(tmp_path, first=0, count=4)), "--unit", "ccu-wessex", stdout=io.StringIO()
    )
    figure = recheck_rate()
    assert figure["cases"] == 4 and figure["failed"] == 0 and figure["baseline_seconds"] > 0
