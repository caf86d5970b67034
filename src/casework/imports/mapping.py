"""Column mappings: which heading in the source file feeds which field. Mappings are data (JSON
or TOML files), validated when loaded, so a unit can map its old system's export without code."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from casework.core.errors import ValidationFailed

DEFAULT_MAPPING_PATH = Path(__file__).with_name("default_mapping.json")

#: The fields each section can fill, and the order sections are read in.
SECTION_FIELDS: dict[str, frozenset[str]] = {
    "cases": frozenset({"urn", "operation_name", "summary", "lead_force", "accepted_on", "stage"}),
    "defendants": frozenset({"case_urn", "first_names", "last_name", "date_of_birth", "custody_status"}),
    "charges": frozenset(
        {"case_urn", "first_names", "last_name", "date_of_birth", "offence", "classification", "charged_on"}
    ),
    "hearings": frozenset({"case_urn", "hearing_type", "starts_at", "court", "outcome"}),
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
    sections: dict[str, SectionMapping]

    @model_validator(mode="after")
    def _known_fields(self) -> Mapping:
        if "cases" not in self.sections:
            raise ValueError("a mapping needs a 'cases' section")
        for section, spec in self.sections.items():
            allowed = SECTION_FIELDS.get(section)
            if allowed is None:
                raise ValueError(f"unknown section {section!r}; use {', '.join(SECTION_FIELDS)}")
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


def load_mapping(path: Path | None = None) -> Mapping:
    """Read and check a mapping file (.json or .toml); the shipped default when no path is given."""
    path = path or DEFAULT_MAPPING_PATH
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        return Mapping.model_validate(data)
    except (OSError, ValueError, ValidationError) as error:
        raise ValidationFailed(f"The mapping {path.name} cannot be used: {error}") from error
