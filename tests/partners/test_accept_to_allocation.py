"""Accepting a police referral leads straight to allocating the new case."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from casework.cases.models import AcceptanceCriterion, Case
from casework.partners import views
from casework.partners.models import Referral
from tests.factories import Personas
from tests.partners.conftest import submit


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> None:
    cache.clear()


@pytest.fixture
def referral_x(personas: Personas) -> Referral:
    return submit(personas.police_x, kind="referral")


def _accept(client, referral: Referral, urn: str = "44HX1234526"):
    criterion = AcceptanceCriterion.objects.order_by("pk").first()
    return client.post(
        reverse("partners:referral_accept", args=[referral.pk]),
        {"criterion": criterion.pk, "urn": urn, "note": ""},
        follow=True,
    )


@pytest.mark.parametrize("persona", ["manager_a", "unithead_a"])
def test_accepting_leads_to_the_allocation_page_with_suggestions(
    client, personas: Personas, referral_x, persona: str
) -> None:
    client.force_login(getattr(personas, persona))
    response = _accept(client, referral_x)
    case = Case.objects.get(urn="44HX1234526")
    assert response.redirect_chain == [(reverse("resourcing:allocate", args=[case.pk]), 302)]
    page = response.content.decode()
    assert response.status_code == 200
    assert "Referral accepted: case 44HX1234526 is on the register. Now allocate a lawyer to it." in page
    assert 'name="lead_id"' in page  # the allocate form with its ranked choices


def test_an_accepter_who_may_not_allocate_lands_on_the_case_told_who_can(
    client, personas: Personas, referral_x, monkeypatch
) -> None:
    monkeypatch.setattr(views, "_may_allocate", lambda user, unit_id: False)
    client.force_login(personas.manager_a)
    response = _accept(client, referral_x)
    case = Case.objects.get(urn="44HX1234526")
    assert response.redirect_chain[0] == (reverse("cases:detail", args=[case.pk]), 302)
    assert "the unit&#x27;s legal managers and Unit Head allocate cases" in response.content.decode()


def test_a_refused_acceptance_stays_on_the_referral(client, personas: Personas, referral_x) -> None:
    client.force_login(personas.manager_a)
    response = client.post(reverse("partners:referral_accept", args=[referral_x.pk]), {"criterion": "", "urn": ""})
    assert response.status_code == 422 and not Case.objects.exists()


@pytest.mark.parametrize("persona", ["prosecutor_b", "police_x", "admin"])
def test_outsiders_cannot_accept(client, personas: Personas, referral_x, persona: str) -> None:
    client.force_login(getattr(personas, persona))
    criterion = AcceptanceCriterion.objects.order_by("pk").first()
    response = client.post(
        reverse("partners:referral_accept", args=[referral_x.pk]),
        {"criterion": criterion.pk, "urn": "44HX1234526", "note": ""},
    )
    assert response.status_code == 404 and not Case.objects.exists()
