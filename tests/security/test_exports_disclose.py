"""Exports of case data are disclosures the user states (finding: exports were GETs with an
automatic justification, triggerable from another site).

For every export of case data: a GET shows the GOV.UK form and no file; a POST without the CSRF
token is refused; a POST without a recipient or purpose is the form again with its errors; a
proper POST gives the file and writes a `disclose` event with the recipient, the purpose and the
cases it holds."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from casework.audit.models import AuditEvent
from tests.factories import DISCLOSURE
from tests.security.world import World

#: (url name, url args, query, who downloads it)
CASE_DATA_EXPORTS = [
    ("cases:my_export", [], {}, "prosecutor_b"),
    ("cases:all_export", [], {"unit": "unit_b"}, "hq"),
    ("progression:board_export", [], {"unit": "unit_b"}, "hq"),
    ("progression:tasks_export", [], {}, "prosecutor_b"),
    ("progression:notices_export", [], {}, "prosecutor_b"),
    ("audit:search", [], {"format": "csv"}, "inspector"),
    ("workday:figure", ["deadlines-overdue"], {"format": "csv"}, "prosecutor_b"),
    ("workday:figure", ["ctl-within-28"], {"format": "csv"}, "hq"),
]


def _url(world: World, name: str, args: list, query: dict) -> str:
    from urllib.parse import urlencode

    filled = {key: (world.personas.unit_b.pk if value == "unit_b" else value) for key, value in query.items()}
    return reverse(name, args=args) + (f"?{urlencode(filled)}" if filled else "")


def _is_file(response) -> bool:
    kind = response.get("Content-Type", "")
    return kind.startswith(("text/csv", "application/vnd.openxml")) or response.has_header("Content-Disposition")


@pytest.mark.parametrize("name,args,query,persona", CASE_DATA_EXPORTS, ids=[e[0] for e in CASE_DATA_EXPORTS])
def test_case_data_exports_need_a_stated_recipient_and_purpose(world: World, name, args, query, persona):
    url = _url(world, name, args, query)
    user = getattr(world.personas, persona)
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0  # the world's own
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(user)
    form = guarded.get(url)
    assert form.status_code == 200 and not _is_file(form) and b"Who will receive this file?" in form.content
    assert guarded.post(url, DISCLOSURE).status_code == 403  # another site cannot post it: no CSRF token
    client = Client()
    client.force_login(user)
    missing = client.post(url, {"recipient": "", "purpose": ""})
    assert missing.status_code == 400 and not _is_file(missing)
    assert not AuditEvent.objects.filter(actor_id=user.pk, action__in=["export", "disclose"], seq__gt=before).exists()
    response = client.post(url, DISCLOSURE)
    assert response.status_code == 200 and _is_file(response)
    event = AuditEvent.objects.filter(actor_id=user.pk, action="disclose").latest("seq")
    assert (event.recipient, event.justification) == (DISCLOSURE["recipient"], DISCLOSURE["purpose"])


def test_export_links_on_pages_lead_to_the_form(world: World):
    client = Client()
    client.force_login(world.personas.hq)
    page = client.get(reverse("cases:all"), {"unit": world.personas.unit_b.pk}).content.decode()
    assert reverse("cases:all_export") in page
    assert "Who will receive this file?" in client.get(reverse("cases:all_export")).content.decode()


def test_background_exports_need_a_stated_recipient_and_purpose_too(world: World):
    """Asking for an export prepared in the background is the same disclosure form: GET shows it,
    a POST without the CSRF token is refused, one without recipient or purpose queues nothing."""
    from casework.exports.models import ExportJob

    url = reverse("exports:new", args=["cases-all"]) + f"?unit={world.personas.unit_b.pk}"
    user = world.personas.hq
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(user)
    form = guarded.get(url)
    assert form.status_code == 200 and not _is_file(form) and b"Who will receive this file?" in form.content
    assert guarded.post(url, {**DISCLOSURE, "fmt": "xlsx"}).status_code == 403
    client = Client()
    client.force_login(user)
    assert client.post(url, {"recipient": "", "purpose": "", "fmt": "xlsx"}).status_code == 400
    assert not ExportJob.objects.filter(requester=user).exists()
    assert client.post(url, {**DISCLOSURE, "fmt": "xlsx"}).status_code == 302
    job = ExportJob.objects.get(requester=user)
    assert (job.recipient, job.purpose, job.parameters) == (
        DISCLOSURE["recipient"],
        DISCLOSURE["purpose"],
        {"query": [["unit", str(world.personas.unit_b.pk)]]},
    )
