"""Pydantic schemas of the case and token endpoints' answers. The shared input models and error
bodies are in casework.core.api_types; the case input shapes (also read by the bulk importer) in
casework.cases.schemas."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from casework.cases.choices import CustodyStatus, DocumentKind, HearingType, OffenceClassification, Stage
from casework.core.api_types import Id, InputModel

# --- cases ---------------------------------------------------------------------------------


class CaseListQuery(BaseModel):
    """Filters and paging for the case list (query parameters)."""

    unit: Id | None = Field(None, description="Only cases of this unit id.")
    stage: Stage | None = None
    lawyer: Id | None = Field(None, description="Only cases allocated to this person id.")
    q: str = Field("", max_length=100, description="URN prefix or words of the operation name.")
    cursor: str | None = Field(None, max_length=200, description="The next_cursor of the previous page.")
    limit: int = Field(50, ge=1, le=200)


class PersonRef(BaseModel):
    id: int
    username: str
    name: str


class UnitRef(BaseModel):
    id: int
    code: str
    name: str


class CaseSummaryOut(BaseModel):
    id: int
    urn: str
    operation_name: str
    unit: UnitRef
    stage: Stage
    stage_label: str
    allocated_lawyer: PersonRef | None
    updated_at: dt.datetime
    version: int


class ChargeOut(BaseModel):
    id: int
    offence: str
    classification: OffenceClassification
    charged_on: dt.date | None
    version: int


class DefendantOut(BaseModel):
    id: int
    first_names: str
    last_name: str
    date_of_birth: dt.date | None
    custody_status: CustodyStatus
    charges: list[ChargeOut]
    version: int


class HearingOut(BaseModel):
    id: int
    hearing_type: HearingType
    starts_at: dt.datetime
    court: str
    outcome: str
    version: int


class DocumentOut(BaseModel):
    """Document metadata only: content is read (and logged) through the document itself."""

    id: int
    kind: DocumentKind
    title: str
    current_version_number: int
    updated_at: dt.datetime
    version: int


class CaseOut(CaseSummaryOut):
    """A case's own fields (returned by writes)."""

    summary: str
    lead_force_id: int | None
    acceptance_criterion_id: int | None
    acceptance_basis: str
    ccp_direction_reason: str
    accepted_on: dt.date | None
    deputy_lawyer: PersonRef | None
    paralegal: PersonRef | None
    legal_manager: PersonRef | None
    stage_changed_at: dt.datetime
    created_at: dt.datetime


class CaseDetailOut(CaseOut):
    """A case with its parts (reading it is logged as a consultation)."""

    offence_category_ids: list[int]
    defendants: list[DefendantOut]
    hearings: list[HearingOut]
    documents: list[DocumentOut]


class CasePageOut(BaseModel):
    items: list[CaseSummaryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


# --- defendants, charges, hearings ----------------------------------------------------------


# --- auth and errors -----------------------------------------------------------------------


class TokenRequest(InputModel):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=1_000)
    name: str = Field("", max_length=100)


class TokenOut(BaseModel):
    token: str = Field(description="Shown once. Store it securely; only its hash is kept.")
    expires_at: dt.datetime


class MeOut(BaseModel):
    id: int
    username: str
    name: str
    roles: list[str]
    unit: UnitRef | None
    authenticated_by: str = Field(description="'token' or 'session'.")
    token_expires_at: dt.datetime | None = None


class RevokedOut(BaseModel):
    revoked: bool


class TokenInfoOut(BaseModel):
    """A token as listed: never the secret, only the first characters that identify it."""

    id: int
    user_id: int
    key_prefix: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoked_reason: str
    active: bool


class RevokedCountOut(BaseModel):
    revoked: int
