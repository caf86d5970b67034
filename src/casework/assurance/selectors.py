"""Reads for assurance: rules in force, case facts in bulk, current and past verdicts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from casework.assurance.engine import CheckpointRule, RuleVersion
from casework.assurance.facts import (
    CaseFacts,
    DocumentFact,
    ExemptionFact,
    HearingFact,
    SignOffFact,
    VersionFact,
    WaiverFact,
)
from casework.assurance.models import (
    AssuranceRule,
    Checkpoint,
    Exemption,
    PanelMeeting,
    PanelRegistration,
    SignOffRequest,
    VerdictPeriod,
    Waiver,
)
from casework.cases.models import Case, CaseDocument, CaseReview, CaseStageEntry, Defendant, DocumentVersion, Hearing
from casework.core.extensions import ExtensionPoint
from casework.core.id_lists import among, json_value, local_date, plain_date, plain_rows
from casework.progression import selectors as progression_selectors

#: Facts other apps add to each case's CaseFacts.extra, declared on their AppConfig:
#: `assurance_facts = {"key": "dotted.path.to.provider"}`; provider(case_ids, today) -> {case_id: facts}.
FACTS_PROVIDERS = ExtensionPoint[Callable[[list[int], dt.date], dict[int, Any]]](
    "assurance_facts", "Facts of other apps that assurance rules read, for many cases at once."
)


def rules_in_force(on: dt.date) -> list[RuleVersion]:
    return [
        RuleVersion(
            code=r.code,
            version=r.version,
            pk=r.pk,
            title=r.title,
            source=r.source,
            severity=r.severity,
            evaluator=r.evaluator,
            stages=frozenset(r.stages),
            categories=frozenset(r.categories),
            parameters=dict(r.parameters),
        )
        for r in AssuranceRule.objects.in_force(on).order_by("code")
    ]


def checkpoints_in_force(on: dt.date) -> list[CheckpointRule]:
    rows = Checkpoint.objects.filter(effective_from__lte=on).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=on)
    )
    latest: dict[str, Checkpoint] = {}
    for row in rows.order_by("code", "-effective_from", "-version"):
        latest.setdefault(row.code, row)
    return [
        CheckpointRule(
            code=c.code,
            title=c.title,
            trigger_stage=c.trigger_stage,
            categories=frozenset(c.categories),
            approver_roles=tuple(c.approver_roles),
            blocking=c.blocking,
            pk=c.pk,
        )
        for c in latest.values()
    ]


def facts_for_cases(case_ids: list[int], today: dt.date) -> dict[int, CaseFacts]:
    """Build CaseFacts for many cases with a fixed number of queries (no per-case queries).

    The ids go to every query as one parameter (`among`) and the many-row reads skip Django's
    converters (`plain_rows`): the sweep calls this for every batch of every case."""
    ids = among(case_ids)
    cases = {
        c["id"]: c
        for c in Case.objects.filter(pk__in=ids).values(
            "id",
            "urn",
            "stage",
            "acceptance_criterion__code",
            "acceptance_criterion__title",
            "ccp_direction_reason",
            "accepted_on",
            "trial_estimate_days",
            "estimated_cost",
            "is_very_high_cost",
            "vhcc_received_on",
            "case_plan_agreed_on",
            "hq_notified_on",
            "outcome",
            "principal_offence_category_id",
        )
    }
    stage_entered: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for case_id, stage, entered_at in plain_rows(
        CaseStageEntry.objects.filter(case_id__in=ids)
        .order_by("entered_at")
        .values_list("case_id", "stage", "entered_at")
    ):
        stage_entered[case_id].setdefault(stage, local_date(entered_at))
    categories: dict[int, set[str]] = defaultdict(set)
    for case_id, code in plain_rows(
        Case.offence_categories.through.objects.filter(case_id__in=ids).values_list("case_id", "offencecategory__code")
    ):
        categories[case_id].add(code)
    defendants = dict(
        Defendant.objects.filter(case_id__in=ids).values("case_id").annotate(n=Count("id")).values_list("case_id", "n")
    )
    versions: dict[int, list[VersionFact]] = defaultdict(list)
    # Most documents of a kind carry the same metadata text: each distinct text is decoded once per
    # batch (the facts only read it), not once per version: most of a first sweep's JSON decoding.
    decoded: dict[str, dict[str, Any]] = {}
    for doc_id, number, created_at, rationale, metadata in plain_rows(
        DocumentVersion.objects.filter(document__case_id__in=ids)
        .order_by("-number")
        .values_list("document_id", "number", "created_at", "rationale", "metadata")
    ):
        if isinstance(metadata, str):
            meta = decoded.get(metadata)
            if meta is None:
                meta = decoded[metadata] = json_value(metadata) or {}
        else:
            meta = json_value(metadata) or {}
        versions[doc_id].append(VersionFact(number, local_date(created_at), bool(rationale.strip()), meta))
    documents: dict[int, list[DocumentFact]] = defaultdict(list)
    hrs_filed: dict[int, list[dt.date]] = defaultdict(list)
    for doc_id, case_id, kind, title, created_at in plain_rows(
        CaseDocument.objects.filter(case_id__in=ids).values_list("id", "case_id", "kind", "title", "created_at")
    ):
        documents[case_id].append(DocumentFact(kind, title, tuple(versions.get(doc_id, []))))
        if kind == "hrs":
            hrs_filed[case_id].append(local_date(created_at))
    exemptions: dict[int, dict[str, ExemptionFact]] = defaultdict(dict)
    for e in Exemption.objects.filter(case_id__in=ids, revoked_at__isnull=True).select_related("approver"):
        exemptions[e.case_id][e.document] = ExemptionFact(e.document, e.approved_on, e.approver.display_name, e.reason)
    waivers: dict[int, dict[str, WaiverFact]] = defaultdict(dict)
    for w in Waiver.objects.filter(case_id__in=ids, revoked_at__isnull=True, expires_on__gte=today).select_related(
        "approver"
    ):
        waivers[w.case_id][w.rule_code] = WaiverFact(w.rule_code, w.expires_on, w.approver.display_name, w.reason)
    reviews: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for case_id, kind, reviewed_on in plain_rows(
        CaseReview.objects.filter(case_id__in=ids)
        .order_by("-reviewed_on")
        .values_list("case_id", "kind", "reviewed_on")
    ):
        reviews[case_id].append((kind, plain_date(reviewed_on)))
    hearings: dict[int, list[HearingFact]] = defaultdict(list)
    for hearing_id, case_id, kind, starts_at in plain_rows(
        Hearing.objects.filter(case_id__in=ids)
        .order_by("starts_at")
        .values_list("id", "case_id", "hearing_type", "starts_at")
    ):
        hearings[case_id].append(HearingFact(hearing_id, kind, local_date(starts_at)))
    running = progression_selectors.running_clock_counts(case_ids)
    ctl_log = progression_selectors.ctl_log_dates(case_ids)
    signoffs: dict[int, dict[str, SignOffFact]] = defaultdict(dict)
    for case_id, code, status, decided_at in plain_rows(
        SignOffRequest.objects.filter(case_id__in=ids)
        .order_by("created_at")
        .values_list("case_id", "checkpoint__code", "status", "decided_at")
    ):
        current = signoffs[case_id].get(code)
        if current is None or current.status != "approved":  # an approval stands; later requests don't undo it
            signoffs[case_id][code] = SignOffFact(code, status, local_date(decided_at) if decided_at else None)
    panel = dict(PanelRegistration.objects.filter(case_id__in=ids).values_list("case_id", "registered_on"))
    meetings: dict[int, dt.date] = {}
    for case_id, held_on in (
        PanelMeeting.objects.filter(case_id__in=ids).order_by("held_on").values_list("case_id", "held_on")
    ):
        meetings[case_id] = held_on
    extras = {name: provider(case_ids, today) for name, provider in FACTS_PROVIDERS.by_key().items()}

    result = {}
    for case_id, c in cases.items():
        result[case_id] = CaseFacts(
            case_id=case_id,
            urn=c["urn"],
            stage=c["stage"],
            stage_entered=stage_entered.get(case_id, {}),
            categories=frozenset(categories.get(case_id, ())),
            acceptance_criterion=c["acceptance_criterion__code"] or "",
            acceptance_criterion_title=c["acceptance_criterion__title"] or "",
            ccp_direction=bool(c["ccp_direction_reason"]),
            accepted_on=c["accepted_on"],
            defendant_count=defendants.get(case_id, 0),
            trial_estimate_days=c["trial_estimate_days"],
            estimated_cost=float(c["estimated_cost"]) if c["estimated_cost"] is not None else None,
            is_very_high_cost=c["is_very_high_cost"],
            vhcc_received_on=c["vhcc_received_on"],
            case_plan_agreed_on=c["case_plan_agreed_on"],
            hq_notified_on=c["hq_notified_on"],
            outcome=c["outcome"],
            has_principal_offence_category=c["principal_offence_category_id"] is not None,
            documents=tuple(documents.get(case_id, ())),
            exemptions=exemptions.get(case_id, {}),
            waivers=waivers.get(case_id, {}),
            reviews=tuple(reviews.get(case_id, ())),
            hearings=tuple(hearings.get(case_id, ())),
            hrs_filed_on=tuple(hrs_filed.get(case_id, ())),
            running_ctl_clocks=running.get(case_id, 0),
            ctl_log_dates=tuple(ctl_log.get(case_id, ())),
            signoffs=signoffs.get(case_id, {}),
            panel_registered_on=panel.get(case_id),
            panel_last_meeting_on=meetings.get(case_id),
            extra={name: values[case_id] for name, values in extras.items() if case_id in values},
        )
    return result


def current_verdicts(*, user: Any, case_id: int) -> QuerySet[VerdictPeriod]:
    return (
        VerdictPeriod.objects.filter(
            case__in=Case.objects.visible_to(user).filter(pk=case_id), case_id=case_id, valid_to__isnull=True
        )
        .select_related("rule")
        .order_by("outcome", "rule_code")
    )


def verdicts_on(*, case_ids: Iterable[int] | QuerySet[Any], instant: dt.datetime) -> QuerySet[VerdictPeriod]:
    """The verdicts that held at a past instant (for compliance on any past date)."""
    return VerdictPeriod.objects.filter(case_id__in=case_ids, valid_from__lte=instant).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=instant)
    )


def pending_signoffs_for(user: Any) -> QuerySet[SignOffRequest]:
    return (
        SignOffRequest.objects.filter(approver=user, status="pending", case__in=Case.objects.visible_to(user))
        .select_related("case", "checkpoint", "requested_by")
        .order_by("created_at")
    )
