"""The data the security tests attack: everything of unit B (North East) and force Y (Durham),
with marker strings that must never appear in a response to someone outside unit B."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from casework.cases import services as case_services
from casework.cases.models import Case, CaseAccessGrant
from casework.core import clock
from casework.partners import services as partner_services
from casework.progression import services as progression_services
from tests.factories import Personas, make_case
from tests.partners.conftest import ITEMS

#: An id no object has: URLs whose object type the world does not build probe with it (404 for all).
MISSING = 987_654_321
#: Personas entitled to read unit B's case content: its own prosecutor and the national readers.
UNIT_B_READERS = frozenset({"prosecutor_b", "hq", "inspector"})
PERSONA_NAMES = (
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
)


@dataclass
class World:
    personas: Personas
    case_a: Case
    case_b: Case
    kwargs: dict[str, Any]
    #: Text of unit B's records: seen by an outsider, it is a leak.
    markers: tuple[str, ...]
    #: Text of force Y's referral: seen by police_x, it is a leak.
    force_markers: tuple[str, ...]


def build_world(personas: Personas) -> World:
    writer = personas.prosecutor_b
    case_a = make_case(
        actor=personas.manager_a, operation_name="Operation Larch", allocated_lawyer_id=personas.prosecutor_a.pk
    )
    case_b = make_case(
        actor=writer,
        operation_name="Operation Rowanberry",
        summary="Rowanberry secret summary",
        allocated_lawyer_id=writer.pk,
    )
    defendant = case_services.defendant_add(
        actor=writer, case=case_b, first_names="Quillon", last_name="Marrowby", date_of_birth=dt.date(1970, 1, 2)
    )
    charge = case_services.charge_add(
        actor=writer, defendant=defendant, offence="Conspiracy Quillonesque", classification="either_way"
    )
    hearing = case_services.hearing_add(
        actor=writer,
        case=case_b,
        hearing_type="ptph",
        starts_at=clock.now() + dt.timedelta(days=20),
        court="Teesside Rowanberry Court",
    )
    document = case_services.document_add(actor=writer, case=case_b, kind="psd", title="Rowanberry strategy", body="x")
    custody_clock = progression_services.custody_clock_open(actor=writer, charge=charge, initial_regime="crown")
    now = clock.now()
    grant = CaseAccessGrant.objects.create(
        user=writer,
        case=case_b,
        justification="Covering a hearing",
        granted_at=now,
        expires_at=now + dt.timedelta(hours=1),
    )
    referral = partner_services.referral_submit(
        actor=personas.police_y,
        kind="referral",
        items={**ITEMS, "police_reference": "77DURHAMREF1"},
        officer_in_case="DS Y",
    )
    from casework.resourcing import services as resourcing_services

    scenario = resourcing_services.scenario_save(
        actor=personas.hq,
        name="Unit B staffing plan",
        unit=personas.unit_b,
        changes={"staff": [{"grade": "senior-crown-prosecutor", "fte": "1"}]},
    )
    # prosecutor.b's own case list, prepared in the background: the file holds unit B's cases and is
    # prosecutor.b's alone.
    from django.http import QueryDict

    from casework.exports import services as export_services

    export_job, _new = export_services.request_export(
        user=personas.prosecutor_b, kind="cases-my", query=QueryDict(), fmt="csv", recipient="Myself", purpose="Review"
    )
    export_services.run_export(job_id=export_job.pk)
    kwargs: dict[str, Any] = {
        "scenario_id": scenario.pk,
        "case_id": case_b.pk,
        "defendant_id": defendant.pk,
        "charge_id": charge.pk,
        "hearing_id": hearing.pk,
        "document_id": document.pk,
        "grant_id": grant.pk,
        "person_id": writer.pk,
        "clock_id": custody_clock.pk,
        "referral_id": referral.pk,
        "unit_id": personas.unit_b.pk,
        # Objects the world does not build: probed with an id nothing has.
        "deadline_id": MISSING,
        "task_id": MISSING,
        "item_id": MISSING,
        "assessment_id": MISSING,
        "moderation_id": MISSING,
        "waiver_id": MISSING,
        "action_id": MISSING,
        "signoff_id": MISSING,
        "plan_id": MISSING,
        "agreement_id": MISSING,
        "number": MISSING,
        "run_id": MISSING,
        "job_id": export_job.pk,
        "export_kind": "cases-all",
        "sample_id": MISSING,
        "file_id": MISSING,
        "token_id": MISSING,
        "provider_name": "organisation",
        "metric": "open",
        "rule_code": "no-such-rule",
        "fmt": "csv",
        "token": "not-a-real-token",
        "action": "accept",
        "record_type": "case_file",
        "record_id": str(case_b.pk),
        "hold_id": MISSING,
        "kind": "review",
        "section": "hearings",
        "key": "ready-to-allocate",
    }
    return World(
        personas=personas,
        case_a=case_a,
        case_b=case_b,
        kwargs=kwargs,
        markers=(case_b.urn, "Rowanberry", "Quillon"),
        force_markers=("77DURHAMREF1", referral.reference),
    )
