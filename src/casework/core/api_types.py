"""Types every app's API endpoints share: id bounds, strict input models, partial updates and the
error bodies. They live in core so an app can describe its endpoints without importing the api app
(which sits above every app and only mounts their routers)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Largest id a 64-bit signed column holds: bigger numbers are bad input, not a database error.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
LONG_TEXT = 20_000

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


class ErrorOut(BaseModel):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


class ConflictOut(ErrorOut):
    current_version: int | None = None
    changed: dict[str, list[Any]] = Field(default_factory=dict)
