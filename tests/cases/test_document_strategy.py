"""A PSD added or revised through the pages records whether it holds a disclosure strategy, which
the assurance rule "PSD contains a disclosure strategy" reads."""

from django.urls import reverse

from casework.assurance import services as assurance
from casework.cases.models import CaseDocument


def test_psd_with_disclosure_strategy_meets_the_rule(client, personas, case_a):
    client.force_login(personas.prosecutor_a)
    response = client.post(
        reverse("cases:document_add", args=[case_a.pk]),
        {"kind": "psd", "title": "PSD", "body": "Strategy", "rationale": "", "has_disclosure_strategy": "on"},
    )
    assert response.status_code == 302
    document = CaseDocument.objects.get(case=case_a)
    assert document.versions.get().metadata == {"has_disclosure_strategy": True}
    verdicts = {v.rule_code: v for v in assurance.case_evaluate(case_id=case_a.pk)}
    assert verdicts["psd.disclosure_strategy"].outcome == "met"


def test_revision_without_the_section_fails_the_rule(client, personas, case_a):
    client.force_login(personas.prosecutor_a)
    client.post(
        reverse("cases:document_add", args=[case_a.pk]),
        {"kind": "psd", "title": "PSD", "body": "v1", "has_disclosure_strategy": "on"},
    )
    document = CaseDocument.objects.get(case=case_a)
    form = client.get(reverse("cases:document_revise", args=[case_a.pk, document.pk]))
    assert 'name="has_disclosure_strategy"' in form.content.decode() and "checked" in form.content.decode()
    response = client.post(
        reverse("cases:document_revise", args=[case_a.pk, document.pk]),
        {"body": "v2 without the section", "rationale": "Rewritten", "version": document.version},
    )
    assert response.status_code == 302
    verdicts = {v.rule_code: v for v in assurance.case_evaluate(case_id=case_a.pk)}
    assert verdicts["psd.disclosure_strategy"].outcome == "not_met"
