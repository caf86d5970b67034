"""The facts about a case that assurance rules judge. Plain data, built in bulk by selectors.

Other apps add facts through `CaseFacts.extra` (declared as AppConfig.assurance_facts), so a rule
about IQA coverage or REM currency can plug in without this module knowing about them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class VersionFact:
    number: int
    created_on: dt.date
    has_rationale: bool
    metadata: dict[str, Any]


@dataclass(frozen=True)
class DocumentFact:
    kind: str
    title: str
    versions: tuple[VersionFact, ...]  # newest first

    @property
    def latest(self) -> VersionFact | None:
        return self.versions[0] if self.versions else None


@dataclass(frozen=True)
class ExemptionFact:
    document: str
    approved_on: dt.date
    approver: str
    reason: str


@dataclass(frozen=True)
class WaiverFact:
    rule_code: str
    expires_on: dt.date
    approver: str
    reason: str


@dataclass(frozen=True)
class HearingFact:
    hearing_id: int
    hearing_type: str
    on: dt.date


@dataclass(frozen=True)
class SignOffFact:
    checkpoint: str
    status: str
    decided_on: dt.date | None


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    urn: str
    stage: str
    stage_entered: dict[str, dt.date]  # first date the case entered each stage
    categories: frozenset[str]
    acceptance_criterion: str  # the criterion's code, "" if none
    acceptance_criterion_title: str
    ccp_direction: bool
    accepted_on: dt.date | None
    defendant_count: int
    trial_estimate_days: int | None
    estimated_cost: float | None
    is_very_high_cost: bool
    vhcc_received_on: dt.date | None
    case_plan_agreed_on: dt.date | None
    hq_notified_on: dt.date | None
    outcome: str
    has_principal_offence_category: bool
    documents: tuple[DocumentFact, ...] = ()
    exemptions: dict[str, ExemptionFact] = field(default_factory=dict)
    waivers: dict[str, WaiverFact] = field(default_factory=dict)
    reviews: tuple[tuple[str, dt.date], ...] = ()  # (kind, reviewed_on), newest first
    hearings: tuple[HearingFact, ...] = ()  # oldest first
    hrs_filed_on: tuple[dt.date, ...] = ()
    running_ctl_clocks: int = 0
    ctl_log_dates: tuple[dt.date, ...] = ()  # newest first
    signoffs: dict[str, SignOffFact] = field(default_factory=dict)
    panel_registered_on: dt.date | None = None
    panel_last_meeting_on: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def documents_of(self, kind: str) -> list[DocumentFact]:
        return [doc for doc in self.documents if doc.kind == kind]
