"""Pydantic schemas for the API. Input schemas are plain pydantic models that forbid unknown
fields, so the bulk importer can validate spreadsheet rows with the very same rules."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from casework.cases.choices import CustodyStatus, DocumentKind, HearingType, OffenceClassification, Stage

#: Largest id a 64-bit signed column holds: bigger numbers are bad input, not a database error.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
LONG_TEXT = 20_000

ShortText = Annotated[str, Field(max_length=250)]
Name = Annotated[str, Field(min_length=1, max_length=120)]


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PatchModel(InputModel):
    """A partial update: only the fields sent change. `version` is the one last read."""

    version: Id

    #: Fields that cannot be cleared (null is refused for them).
    NOT_NULL: ClassVar[frozenset[str]] = frozenset()
    #: Text fields stored as "" rather than NULL: an explicit null clears them.
    NULL_AS_EMPTY: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        cleared = sorted(key for key in self.model_fields_set & self.NOT_NULL if getattr(self, key) is None)
        if cleared:
            raise ValueError(f"These fields cannot be empty: {', '.join(cleared)}")
        return self

    def changes(self) -> dict[str, Any]:
        sent = self.model_dump(exclude_unset=True, exclude={"version"})
        return {key: ("" if value is None and key in self.NULL_AS_EMPTY else value) for key, value in sent.items()}


# --- cases ---------------------------------------------------------------------------------


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


class CaseListQuery(BaseModel):
    """Filters and paging for the case list (query parameters)."""

    unit: Id | None = Field(None, description="Only cases of this unit id.")
    stage: Stage | None = None
    lawyer: Id | None = Field(None, description="Only cases allocated to this person id.")
    q: str = Field("", max_length=100, description="URN prefix or words of the operation name.")
    cursor: str | None = Field(None, max_length=200, description="The next_cursor of the previous page.")
    limit: int = Field(50, ge=1, le=200)


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


class ErrorOut(BaseModel):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


class ConflictOut(ErrorOut):
    current_version: int | None = None
    changed: dict[str, list[Any]] = Field(default_factory=dict)
