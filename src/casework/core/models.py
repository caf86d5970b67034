"""Base model behaviour shared by the domain apps (no business rules here)."""

from __future__ import annotations

import functools
from typing import Any

from django.db import models


class VersionedModel(models.Model):
    """A record edited with optimistic locking, remembering the values it was loaded with.

    The loaded snapshot gives services the "before" values for the audit trail without a second
    read of the row, and `version` lets an edit detect that someone else saved first.
    """

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(editable=False)
    updated_at = models.DateTimeField(editable=False)

    #: Fields that are not part of the audited content of the record.
    AUDIT_EXCLUDE: frozenset[str] = frozenset({"version", "created_at", "updated_at"})

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def loaded_value(self, attname: str) -> Any:
        return getattr(self, "_loaded_values", {}).get(attname)

    def audited_attnames(self) -> tuple[str, ...]:
        return _audited_attnames(type(self))

    def snapshot(self) -> dict[str, Any]:
        return {attname: getattr(self, attname) for attname in self.audited_attnames()}

    def remember_loaded_state(self) -> None:
        self._loaded_values = {attname: getattr(self, attname) for attname in _stored_attnames(type(self))}


# Worked out once per model: a bulk import snapshots thousands of records.
@functools.cache
def _audited_attnames(model: type[VersionedModel]) -> tuple[str, ...]:
    return tuple(
        field.attname
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in model.AUDIT_EXCLUDE
    )


@functools.cache
def _stored_attnames(model: type[VersionedModel]) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


class ScheduledRun(models.Model):
    """When each recurring task was last enqueued. One row per schedule entry: the unique name and
    a row lock taken while deciding make sure several workers enqueue a due task only once."""

    name = models.CharField(max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (last enqueued {self.last_enqueued_at or 'never'})"


class NonWorkingDay(models.Model):
    """An England-and-Wales bank holiday (substitute days, Christmas Day and Good Friday included).
    Weekends are not stored. The national working-day calendar: every app counts working days
    from this table (casework.core.bank_holidays.working_calendar)."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=120)
    source = models.CharField(max_length=200)
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class BankHolidayYear(models.Model):
    """A year whose bank holidays are all in the table. Years not listed are worked out from the
    usual rules when asked about, and explanations say so."""

    year = models.PositiveIntegerField(unique=True)
    source = models.CharField(max_length=200)
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} ({self.source})"
