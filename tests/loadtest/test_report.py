"""The load report's arithmetic and its verdict: percentiles, 5xx, conflicts, the p95 target."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from benchmarks.load import cpu, report, scenario


def sample(
    name: str,
    ms: float,
    status: int = 200,
    outcome: str = scenario.OUTCOME_OK,
    *,
    t: float = 0.0,
    phase: str = "steady",
) -> dict[str, object]:
    return {"name": name, "ms": ms, "status": status, "outcome": outcome, "t": t, "phase": phase, "error": ""}


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        ([5.0], 50, 5.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.0),
        (list(range(1, 101)), 95, 95),
        (list(range(1, 101)), 99, 99),
        (list(range(100, 0, -1)), 95, 95),  # order of arrival does not matter
        ([1.0, 1000.0], 95, 1000.0),
    ],
)
def test_percentile_is_nearest_rank(values: list[float], pct: float, expected: float) -> None:
    assert report.percentile(values, pct) == expected


def test_percentile_of_nothing_is_nan() -> None:
    assert math.isnan(report.percentile([], 95))


def test_a_clean_fast_run_passes_with_figures_per_page_type() -> None:
    samples = [sample("case detail", ms) for ms in range(10, 110)] + [sample("case list (my cases)", 50.0)] * 20
    result = report.build_report(samples, duration_s=60, users=50, server_log=[], loadavg=["1.50 1.2 1.1 3/400 99"])

    assert result.passed, result.failures
    assert result.requests == 120
    assert result.per_second == 2.0
    detail = next(p for p in result.pages if p.name == "case detail")
    assert (detail.p50_ms, detail.p95_ms, detail.p99_ms, detail.max_ms) == (59.0, 104.0, 108.0, 109.0)
    assert detail.category == "detail" and detail.meets_target is True
    assert result.loadavg == {"one_minute_median": 1.5, "one_minute_max": 1.5, "samples": 1}


def test_a_slow_list_misses_the_target_and_says_which() -> None:
    samples = [sample("case list (unit, filtered)", 100.0)] * 90 + [sample("case list (unit, filtered)", 400.0)] * 10
    result = report.build_report(samples, duration_s=10, users=50)

    assert not result.passed
    assert result.failures == ["case list (unit, filtered): p95 400 ms is over the 300 ms target"]


def test_slow_dashboards_and_sign_in_are_reported_but_carry_no_target() -> None:
    samples = [sample("oversight dashboard", 2000.0), sample("sign-in POST", 900.0), sample("case detail", 20.0)]
    result = report.build_report(samples, duration_s=10, users=50)

    assert result.passed
    assert {p.name: p.meets_target for p in result.pages} == {
        "sign-in POST": None,
        "case detail": True,
        "oversight dashboard": None,
    }


def test_any_5xx_fails_the_run_whether_the_client_or_the_server_log_saw_it() -> None:
    client_saw = report.build_report(
        [sample("case detail", 20.0), sample("case detail", 20.0, 500, scenario.OUTCOME_ERROR)], duration_s=10, users=50
    )
    assert client_saw.client_5xx == 1
    assert client_saw.failures == ["5xx responses: 1 seen by clients, None in the server's access log"]

    log = ['127.0.0.1 - - [28/Nov/2026:13:00:00 +0000] "GET /oversight/ HTTP/1.1" 502 0 "-" "python-requests/2"']
    server_saw = report.build_report([sample("case detail", 20.0)], duration_s=10, users=50, server_log=log)
    assert server_saw.server_5xx == 1
    assert not server_saw.passed


def test_edit_conflicts_are_expected_outcomes_counted_apart_from_errors() -> None:
    samples = [
        sample("case edit POST", 80.0, 302),
        sample("case edit POST", 90.0, 200, scenario.OUTCOME_CONFLICT),
        sample("case edit POST", 85.0, 200, scenario.OUTCOME_CONFLICT),
    ]
    result = report.build_report(samples, duration_s=10, users=50)

    assert result.passed
    assert (result.conflicts, result.errors) == (2, 0)
    edit = result.pages[0]
    assert (edit.ok, edit.conflicts, edit.category) == (1, 2, "write")


def test_no_response_and_unexpected_4xx_are_failures() -> None:
    samples = [
        sample("case detail", 30000.0, 0, scenario.OUTCOME_ERROR),
        sample("case detail", 20.0, 404, scenario.OUTCOME_ERROR),
    ]
    result = report.build_report(samples, duration_s=10, users=50)

    assert result.failures[0] == "1 requests got no response (connection failed or timed out)"
    assert result.failures[1] == "1 unexpected responses (see error_examples)"
    assert len(result.error_examples) == 2


def test_an_empty_run_fails() -> None:
    assert report.build_report([], duration_s=10, users=50).failures == [
        "no requests were made after the users had signed in"
    ]


def test_the_ramp_up_is_reported_apart_and_not_held_to_the_target_but_its_5xx_count() -> None:
    samples = [
        sample("sign-in POST", 4000.0, 302, t=0.0, phase="ramp"),
        sample("case list (my cases)", 900.0, t=1.0, phase="ramp"),
        sample("case list (my cases)", 40.0, t=20.0),
        sample("case list (my cases)", 60.0, t=29.5),
    ]
    steady, ramp, steady_s, ramp_s = report.split_phases(samples)
    assert (len(steady), len(ramp), steady_s, ramp_s) == (2, 2, 9.6, 4.0)

    result = report.build_report(steady, duration_s=steady_s, users=50, ramp_samples=ramp, ramp_duration_s=ramp_s)
    assert result.passed
    assert [(p.name, p.p95_ms, p.meets_target) for p in result.pages] == [("case list (my cases)", 60.0, True)]
    assert [(p.name, p.meets_target) for p in result.ramp_pages] == [
        ("sign-in POST", None),
        ("case list (my cases)", None),
    ]

    failing_ramp = [sample("sign-in POST", 30000.0, 500, scenario.OUTCOME_ERROR, phase="ramp")]
    result = report.build_report(steady, duration_s=steady_s, users=50, ramp_samples=failing_ramp)
    assert result.failures == ["5xx responses: 1 seen by clients, None in the server's access log"]


def test_server_5xx_reads_gunicorns_access_log_format() -> None:
    lines = [
        '127.0.0.1 - - [t] "GET /cases/my/ HTTP/1.1" 200 5123 "-" "python-requests/2.32"',
        '127.0.0.1 - - [t] "POST /cases/5/edit/ HTTP/1.1" 500 145 "-" "python-requests/2.32"',
        '127.0.0.1 - - [t] "GET /cases/5/ HTTP/1.1" 503 0 "-" "python-requests/2.32"',
        "[2026-11-28 13:00:00 +0000] [42] [INFO] Booting worker with pid: 42",
    ]
    assert report.server_5xx(lines) == 2


def test_main_writes_json_and_summary_and_exits_by_the_verdict(tmp_path: Path) -> None:
    samples_file = tmp_path / "samples.jsonl"
    samples_file.write_text(
        "\n".join(json.dumps(s) for s in [sample("case detail", 20.0), sample("case detail", 25.0, 500, "error")])
    )
    status = report.main(
        ["--samples", str(samples_file), "--out-dir", str(tmp_path / "out"), "--users", "50", "--meta", "cases=5000"]
    )  # fmt: skip

    assert status == 1
    written = json.loads((tmp_path / "out" / "report.json").read_text())
    assert written["passed"] is False
    assert written["meta"] == {"cases": "5000"}
    assert written["pages"][0]["statuses"] == {"200": 1, "500": 1}
    assert "FAILED" in (tmp_path / "out" / "summary.txt").read_text()


def test_server_times_read_the_duration_field_of_the_access_log() -> None:
    lines = [
        f'127.0.0.1 - - [t] "GET /cases/{n}/ HTTP/1.1" 200 5123 "-" "python-requests/2.32 (x; y)" {ms}'
        for n, ms in enumerate([10, 20, 30, 40, 1000])
    ] + ["[2026-11-28 13:00:00 +0000] [42] [INFO] Booting worker with pid: 42"]
    assert report.server_times(lines) == {"requests": 5, "p50_ms": 30.0, "p95_ms": 1000.0, "p99_ms": 1000.0}
    assert report.server_times(["no access lines"]) is None


def test_cpu_per_request_from_counter_readings() -> None:
    figures = report.cpu_figures(
        {"web": 10.0, "db": 4.0, "gone": None}, {"web": 40.0, "db": 10.0, "gone": None}, requests=1000, duration_s=60
    )
    assert figures == {
        "web": {"cpu_seconds": 30.0, "cores": 0.5, "ms_per_request": 30.0},
        "db": {"cpu_seconds": 6.0, "cores": 0.1, "ms_per_request": 6.0},
    }


def test_cpu_counters_of_a_live_process_tree() -> None:
    busy = sum(i * i for i in range(200_000))  # spend a little CPU in this process
    assert busy > 0
    assert cpu.tree_cpu_seconds(os.getpid()) > 0
    assert cpu.tree_cpu_seconds(2**22 + 12345) == 0.0  # no such process
