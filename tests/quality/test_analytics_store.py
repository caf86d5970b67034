"""Stored IQA analytics: each national, area and unit-head reader gets the figures of exactly their
scope and naming, equal to counting them live; anyone else counts live; the page says when the
figures are from and lists the people most in need of attention first."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casework.audit.models import AuditEvent
from casework.core.schedule import SCHEDULE
from casework.quality import analytics_store, exports, selectors, views
from casework.quality.models import AnalyticsSnapshot, Assessment
from tests.factories import PASSWORD, make_user
from tests.quality.test_analytics_equivalence import READERS, varied_register  # noqa: F401 - the fixture

SHARED = ("hq", "inspector", "area_leader_a", "unithead_a")


def _reader(personas, register, name: str):
    return getattr(personas, name, None) or register[name]


def test_stored_figures_equal_live_ones_for_every_reader(personas, varied_register) -> None:  # noqa: F811
    report = analytics_store.refresh()
    assert report["scopes"] == AnalyticsSnapshot.objects.count() == len(analytics_store.scopes_read())
    for name in (*READERS, "hq_named", "manager_b"):
        user = _reader(personas, varied_register, name)
        found = selectors.analytics(user=user)
        live = selectors.analytics(user=user, live=True)
        assert live.as_of is None
        if name in (*SHARED, "hq_named"):
            assert found.as_of is not None, name
            assert dataclasses.replace(found, as_of=None) == live, name
            assert exports.analytics_rows(found) == exports.analytics_rows(live), name
        else:  # a legal manager's or prosecutor's scope is their own: always counted now
            assert found.as_of is None and found == live, name


def test_the_scopes_read_are_each_readers_own(personas, varied_register) -> None:  # noqa: F811
    scopes = analytics_store.scopes_read()
    assert ("national", False) in scopes and ("national", True) in scopes  # hq.named sees names
    assert (f"area:{personas.area_a.pk}", False) in scopes
    assert (f"unit:{personas.unit_a.pk}", True) in scopes
    assert not any(key.startswith("user") for key, _ in scopes)


def test_a_reader_never_gets_another_scopes_figures(personas, varied_register) -> None:  # noqa: F811
    unithead_b = make_user("unithead.b", "unit_head", unit=personas.unit_b)
    analytics_store.refresh()
    unit_b = AnalyticsSnapshot.objects.get(scope=f"unit:{personas.unit_b.pk}")
    assert unit_b.data["assessments"] != selectors.analytics(user=personas.unithead_a, live=True).assessments
    # Unit A's own figures gone: its head counts live rather than reading unit B's.
    AnalyticsSnapshot.objects.filter(scope=f"unit:{personas.unit_a.pk}").delete()
    found = selectors.analytics(user=personas.unithead_a)
    assert found.as_of is None and found == selectors.analytics(user=personas.unithead_a, live=True)
    assert selectors.analytics(user=unithead_b).as_of is not None
    # A national reader's named figures are not given to one who sees pseudonyms, nor the reverse.
    AnalyticsSnapshot.objects.filter(scope="national", named=False).delete()
    assert selectors.analytics(user=personas.hq).as_of is None
    assert not selectors.analytics(user=personas.hq).named
    # Dates asked for: counted now, whatever is stored.
    assert (
        selectors.analytics(user=unithead_b, since=Assessment.objects.earliest("created_at").created_at.date()).as_of
        is None
    )


def test_refreshing_replaces_the_figures_and_is_audited_once(personas, varied_register) -> None:  # noqa: F811
    analytics_store.refresh()
    first = set(AnalyticsSnapshot.objects.values_list("pk", flat=True))
    analytics_store.refresh()
    assert first.isdisjoint(AnalyticsSnapshot.objects.values_list("pk", flat=True))
    events = AuditEvent.objects.filter(subject_type="quality.analyticssnapshot", action="combine")
    assert events.count() == 2


def test_the_refresh_is_scheduled_and_runs(personas, varied_register) -> None:  # noqa: F811
    entry = next(entry for entry in SCHEDULE if entry.name == "iqa-analytics")
    from casework.quality.tasks import iqa_analytics_refresh_task

    assert entry.task_path == "casework.quality.tasks.iqa_analytics_refresh_task"
    assert iqa_analytics_refresh_task.call()["scopes"] == AnalyticsSnapshot.objects.count() > 0


def test_a_stored_page_reads_no_answers(personas, varied_register) -> None:  # noqa: F811
    analytics_store.refresh()
    selectors.analytics(user=personas.hq)
    with CaptureQueriesContext(connection) as captured:
        selectors.analytics(user=personas.hq)
    assert len(captured.captured_queries) <= 2
    assert not [q for q in captured.captured_queries if "quality_assessmentanswer" in q["sql"]]


def _page(user) -> tuple[str, dict]:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    response = client.get("/quality/analytics/")
    assert response.status_code == 200
    return response.content.decode(), response.context


def test_the_page_says_when_its_figures_are_from(personas, varied_register) -> None:  # noqa: F811
    page, _ = _page(personas.inspector)
    assert "Figures as at" not in page
    analytics_store.refresh()
    page, context = _page(personas.inspector)
    assert "Figures as at" in page and context["data"].as_of is not None


def test_long_tables_show_those_most_in_need_of_attention_first(
    personas,
    varied_register,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views, "ANALYTICS_PEOPLE_SHOWN", 2)
    data = selectors.analytics(user=personas.inspector)
    assert len(data.by_prosecutor) > 2 and len(data.leniency) > 2
    page, context = _page(personas.inspector)
    scored = sorted((b for b in data.by_prosecutor if b.value is not None), key=lambda b: (b.value, b.label))
    assert context["prosecutors"] == scored[:2]
    assert f"Score by prosecutor: the 2 lowest, of {len(data.by_prosecutor)}" in page
    flagged = [key for key, item in data.leniency if item.flagged]
    assert flagged and [key for key, _ in context["leniency"]][: len(flagged[:2])] == flagged[:2]
    assert f"2 of {len(data.leniency)} assessors, those flagged first" in page
    assert "Every row is in the downloads" in page
    # the download keeps every prosecutor
    client = Client()
    assert client.login(username=personas.inspector.username, password=PASSWORD)
    body = b"".join(client.get("/quality/analytics/export.csv").streaming_content).decode()
    assert all(bar.label in body for bar in data.by_prosecutor)


def test_short_tables_are_shown_in_full(personas, varied_register) -> None:  # noqa: F811
    data = selectors.analytics(user=personas.unithead_a)
    page, context = _page(personas.unithead_a)
    assert context["prosecutors"] == data.by_prosecutor and context["leniency"] == data.leniency
    assert "Every row is in the downloads" not in page


def test_the_command_refreshes_and_reports(personas, varied_register) -> None:  # noqa: F811
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("quality_refresh", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["scopes"] == AnalyticsSnapshot.objects.count() == len(analytics_store.scopes_read())
    out = StringIO()
    call_command("quality_refresh", stdout=out)
    text = out.getvalue()
    assert "national: " in text and f"IQA analytics as at {AnalyticsSnapshot.objects.first().as_of.isoformat()}" in text
