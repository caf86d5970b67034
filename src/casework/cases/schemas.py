"""The input shapes of a case and its parts (defendants, charges, hearings): parsing only, shared by
the API and the bulk importer so both read a row the same way. Every rule about a case is the case
services' (casework.cases.rules and casework.cases.services)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from pydantic import AwareDatetime, Field

from casework.cases.choices import CustodyStatus, HearingType, OffenceClassification, Stage
from casework.core.api_types import LONG_TEXT, Id, InputModel, Name, PatchModel


class CaseFields(InputModel):
    """Editable case details, shared by create and update."""

    operation_name: str = Field("", max_length=120)
    summary: str = Field("", max_length=LONG_TEXT)
    lead_force_id: Id | None = None
    acceptance_criterion_id: Id | None = None
    ccp_direction_reason: str = Field("", max_length=5_000)
    accepted_on: dt.date | None = None
    allocated_lawyer_id: Id | None = None
    deputy_lawyer_id: Id | None = None
    paralegal_id: Id | None = None
    legal_manager_id: Id | None = None


class CaseIn(CaseFields):
    urn: str = Field(..., max_length=40, description="6 to 20 letters and digits, e.g. 42AB1234526.")
    unit_id: Id | None = Field(None, description="Defaults to your own unit.")
    offence_category_ids: list[Id] = Field(default_factory=list, max_length=50)


class CasePatch(PatchModel):
    """Send only the fields you change, and the `version` you last read."""

    operation_name: str | None = Field(None, max_length=120)
    summary: str | None = Field(None, max_length=LONG_TEXT)
    lead_force_id: Id | None = None
    acceptance_criterion_id: Id | None = None
    ccp_direction_reason: str | None = Field(None, max_length=5_000)
    accepted_on: dt.date | None = None
    allocated_lawyer_id: Id | None = None
    deputy_lawyer_id: Id | None = None
    paralegal_id: Id | None = None
    legal_manager_id: Id | None = None

    NULL_AS_EMPTY: ClassVar[frozenset[str]] = frozenset({"operation_name", "summary", "ccp_direction_reason"})


class StageChangeIn(InputModel):
    stage: Stage
    version: Id
    reason: str = Field("", max_length=250)


class DefendantIn(InputModel):
    first_names: Name
    last_name: Name
    date_of_birth: dt.date | None = None
    custody_status: CustodyStatus = CustodyStatus.NOT_ARRESTED


class DefendantPatch(PatchModel):
    first_names: Name | None = None
    last_name: Name | None = None
    date_of_birth: dt.date | None = None
    custody_status: CustodyStatus | None = None

    NOT_NULL: ClassVar[frozenset[str]] = frozenset({"first_names", "last_name", "custody_status"})


class ChargeIn(InputModel):
    offence: str = Field(..., min_length=1, max_length=250)
    classification: OffenceClassification
    charged_on: dt.date | None = None


class HearingIn(InputModel):
    hearing_type: HearingType
    starts_at: AwareDatetime = Field(description="With a UTC offset, e.g. 2026-03-02T10:00:00+00:00.")
    court: str = Field(..., min_length=1, max_length=160)
    outcome: str = Field("", max_length=LONG_TEXT)


class HearingPatch(PatchModel):
    hearing_type: HearingType | None = None
    starts_at: AwareDatetime | None = None
    court: str | None = Field(None, min_length=1, max_length=160)
    outcome: str | None = Field(None, max_length=LONG_TEXT)

    NOT_NULL: ClassVar[frozenset[str]] = frozenset({"hearing_type", "starts_at", "court"})
    NULL_AS_EMPTY: ClassVar[frozenset[str]] = frozenset({"outcome"})
