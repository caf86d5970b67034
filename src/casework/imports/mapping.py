"""Column mappings: which heading in the source file feeds which field. Mappings are data (JSON
or TOML files), validated when loaded, so a unit can map its old system's export without code."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from casework.core.errors import ValidationFailed

DEFAULT_MAPPING_PATH = Path(__file__).with_name("default_mapping.json")
#: The shipped mapping of each kind of import.
DEFAULT_MAPPINGS: dict[str, Path] = {
    "cases": DEFAULT_MAPPING_PATH,
    "staff": Path(__file__).with_name("default_mapping_staff.json"),
    "time": Path(__file__).with_name("default_mapping_time.json"),
}
KINDS = tuple(DEFAULT_MAPPINGS)

#: The fields each section of a case import can fill, and the order sections are read in.
SECTION_FIELDS: dict[str, frozenset[str]] = {
    "cases": frozenset(
        {
            "urn",
            "operation_name",
            "summary",
            "lead_force",
            "accepted_on",
            "stage",
            "acceptance_criterion",
            "ccp_direction_reason",
        }
    ),
    "defendants": frozenset({"case_urn", "first_names", "last_name", "date_of_birth", "custody_status"}),
    "charges": frozenset(
        {"case_urn", "first_names", "last_name", "date_of_birth", "offence", "classification", "charged_on"}
    ),
    "hearings": frozenset({"case_urn", "hearing_type", "starts_at", "court", "outcome"}),
}
STAFF_FIELDS = frozenset(
    {
        "staff_number",
        "first_names",
        "last_name",
        "email",
        "unit",
        "grade",
        "roles",
        "fte",
        "contracted_hours",
        "working_pattern",
        "line_manager",
        "specialisms",
    }
)
TIME_FIELDS = frozenset({"staff_number", "case_urn", "week_starting", "activity", "hours"})

#: Each kind's sections and their fields; the first section of a kind must be in every file.
KIND_SECTIONS: dict[str, dict[str, frozenset[str]]] = {
    "cases": SECTION_FIELDS,
    "staff": {"staff": STAFF_FIELDS},
    "time": {"time": TIME_FIELDS},
}


class SectionMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sheet: str = Field(..., min_length=1, max_length=60)
    columns: dict[str, str]
    required: list[str] = Field(default_factory=list)


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=120)
    description: str = ""
    kind: Literal["cases", "staff", "time"] = "cases"
    sections: dict[str, SectionMapping]

    @property
    def main_section(self) -> str:
        """The section every file of this kind must have (cases, staff or time)."""
        return next(iter(KIND_SECTIONS[self.kind]))

    @model_validator(mode="after")
    def _known_fields(self) -> Mapping:
        known = KIND_SECTIONS[self.kind]
        if self.main_section not in self.sections:
            raise ValueError(f"a {self.kind} mapping needs a {self.main_section!r} section")
        for section, spec in self.sections.items():
            allowed = known.get(section)
            if allowed is None:
                raise ValueError(f"unknown section {section!r} for a {self.kind} import; use {', '.join(known)}")
            unknown = set(spec.columns) - allowed
            if unknown:
                raise ValueError(f"section {section!r} maps unknown fields: {', '.join(sorted(unknown))}")
            unmapped = set(spec.required) - set(spec.columns)
            if unmapped:
                raise ValueError(f"section {section!r} requires unmapped fields: {', '.join(sorted(unmapped))}")
        return self

    def section_for_sheet(self, sheet_name: str) -> str | None:
        wanted = sheet_name.strip().lower()
        for section, spec in self.sections.items():
            if spec.sheet.lower() == wanted:
                return section
        return None


def load_mapping(path: Path | None = None, *, kind: str | None = None) -> Mapping:
    """Read and check a mapping file (.json or .toml); the kind's shipped default when no path is
    given. A kind given with a path must match the kind the mapping declares."""
    path = path or DEFAULT_MAPPINGS[kind or "cases"]
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        mapping = Mapping.model_validate(data)
    except (OSError, ValueError, ValidationError) as error:
        raise ValidationFailed(f"The mapping {path.name} cannot be used: {error}") from error
    if kind is not None and mapping.kind != kind:
        raise ValidationFailed(f"The mapping {path.name} is for a {mapping.kind} import, not {kind}.")
    return mapping


def mapping_from_data(data: dict[str, object]) -> Mapping:
    """A mapping stored on a run (already checked when it was loaded)."""
    return Mapping.model_validate(data)
