"""Audited writes of versioned records: the one way every app creates and changes them.

`versioned_update` applies new values to a record if nobody saved it since the version the caller
read (optimistic locking) and appends one `alter` event with each field's before and after values,
in the caller's transaction. A change to a case's data also tells the apps that keep figures
derived from cases (casework.core.case_changes), in the same transaction.

`AuditedBatch` (through `audited_batch`) is the batch mode, for the importer: new rows of a model
are written with one INSERT, their `collect` events (one per row) and the batch's `alter` events
are appended together with `record_many`, and the changed cases are notified once, so a batch of
a thousand records costs a handful of statements instead of thousands. Nothing is relaxed: each
row still gets its own event, and each update its version check.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import operator
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import F, Field

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.case_changes import notify_cases_changed
from casework.core.errors import EditConflict
from casework.core.models import VersionedModel

if TYPE_CHECKING:
    from casework.people.models import User

V = TypeVar("V", bound=VersionedModel)
M = TypeVar("M", bound=models.Model)


def _before(instance: VersionedModel, keys: Sequence[str]) -> dict[str, Any]:
    """The values the caller loaded (not a second read of the row: that would hide a lost update)."""
    loaded = hasattr(instance, "_loaded_values")
    return {key: instance.loaded_value(key) if loaded else getattr(instance, key) for key in keys}


def _conflict(instance: VersionedModel, before: dict[str, Any]) -> EditConflict:
    model = type(instance)
    current = model._default_manager.get(pk=instance.pk)
    moved = {
        key: [audit._plain(value), audit._plain(getattr(current, key))]
        for key, value in before.items()
        if getattr(current, key) != value
    }
    return EditConflict(
        f"Someone else changed this {model._meta.verbose_name} after you opened it (now version "
        f"{current.version}). Your changes were not saved: review the current values and make them again.",
        current_version=current.version,
        changed=moved,
    )


# --- inserting many rows ------------------------------------------------------------------------------
# Django's bulk_create spends most of a large import in per-value field machinery (about 60 µs a
# case row), several times what the database needs for the INSERT itself. The batch writes new rows
# with the database backend's own value adapters, chosen once per column, and one multi-row
# INSERT ... RETURNING per chunk; a column of any other kind goes through the field's
# get_db_prep_save as bulk_create would. Instances end as bulk_create leaves them: with their
# primary key, saved (`_state.adding` False, as Django's own from_db documentation sets it).

_INTEGERS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    }
)
_TEXTS = frozenset({"CharField", "TextField", "SlugField", "EmailField", "URLField"})


@dataclass(frozen=True)
class _Column:
    """One column of an insert: where it sits in the row, the Python types passed to the driver as
    they are, and the adapter for any other value (None always passes as it is)."""

    index: int
    as_is: tuple[type, ...]
    adapt: Callable[[Any], Any]


def _column(index: int, field: Field[Any, Any]) -> _Column:
    ops = connection.ops
    kind = field.target_field.get_internal_type() if field.is_relation else field.get_internal_type()  # type: ignore[attr-defined]

    def through_field(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    if kind in _INTEGERS:
        return _Column(index, (int,), through_field)
    if kind in _TEXTS:
        return _Column(index, (str,), through_field)
    if kind == "BooleanField":
        return _Column(index, (bool,), through_field)
    if kind == "DateTimeField":
        return _Column(
            index,
            (),
            lambda value: (
                ops.adapt_datetimefield_value(value) if isinstance(value, dt.datetime) else through_field(value)
            ),
        )
    if kind == "DateField":
        return _Column(
            index,
            (),
            lambda value: ops.adapt_datefield_value(value) if type(value) is dt.date else through_field(value),
        )
    return _Column(index, (), through_field)


@dataclass(frozen=True)
class _InsertPlan:
    sql_head: str
    row_marks: str
    per_statement: int
    read: Callable[[Any], tuple[Any, ...]]
    columns: tuple[_Column, ...]
    relations: tuple[Field[Any, Any], ...]


def _reader(attnames: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A record's values in column order (attrgetter reads them at C speed; one name gives no tuple)."""
    if len(attnames) == 1:
        return lambda instance: (getattr(instance, attnames[0]),)
    return operator.attrgetter(*attnames)


@functools.cache
def _insert_plan(model: type[models.Model], vendor: str) -> _InsertPlan:
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    if any(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) for field in fields):
        raise ValueError(f"{model.__name__} has auto_now fields: write it with bulk_create")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    return _InsertPlan(
        sql_head=f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ",  # noqa: S608
        row_marks="(" + ", ".join(["%s"] * len(fields)) + ")",
        per_statement=max(1, (connection.features.max_query_params or 65_535) // len(fields)),
        read=_reader([field.attname for field in fields]),
        columns=tuple(_column(index, field) for index, field in enumerate(fields)),
        relations=tuple(field for field in fields if field.is_relation),
    )


def _insert(instances: Sequence[models.Model]) -> None:
    """Insert these new records of one model; each gets its primary key."""
    model = type(instances[0])
    plan = _insert_plan(model, connection.vendor)
    pk = connection.ops.quote_name(str(model._meta.pk.column))
    for instance in instances:  # a parent saved after the child was made: take its new id
        for relation in plan.relations:
            if getattr(instance, relation.attname) is None:
                parent = getattr(instance, relation.name, None)
                if parent is not None:
                    setattr(instance, relation.attname, parent.pk)
    # A batch's rows share many values (its one timestamp in created_at and updated_at, the same
    # dates): each distinct value is adapted once per column, not once per row.
    adapted: list[dict[Any, Any]] = [{} for _ in plan.columns]
    with connection.cursor() as cursor:
        for start in range(0, len(instances), plan.per_statement):
            chunk = instances[start : start + plan.per_statement]
            params: list[Any] = []
            for instance in chunk:
                row = list(plan.read(instance))
                for column in plan.columns:
                    value = row[column.index]
                    if value is not None and type(value) not in column.as_is:
                        row[column.index] = _adapted(adapted[column.index], column, value)
                params += row
            marks = ", ".join([plan.row_marks] * len(chunk))
            cursor.execute(f"{plan.sql_head}{marks} RETURNING {pk}", params)
            for instance, (key,) in zip(chunk, cursor.fetchall(), strict=True):
                instance.pk = key
                instance._state.adding = False
                instance._state.db = connection.alias


# --- making many new records ----------------------------------------------------------------------
# Model(**values) looks each field up among the keywords (and its default) one at a time, about
# 30 µs for a case; handing Django every field's value in column order, as it does when it reads a
# row, takes half that.

_UNSET = object()


@dataclass(frozen=True)
class _Construction:
    fields: tuple[Field[Any, Any], ...]
    positions: dict[str, int]  # a field's attname (and, when it differs, its name) to its position
    relations: dict[str, tuple[int, Field[Any, Any]]]  # a relation's name to its position and field


@functools.cache
def _construction(model: type[models.Model]) -> _Construction:
    fields = tuple(model._meta.concrete_fields)
    positions = {field.attname: index for index, field in enumerate(fields)}
    positions |= {field.name: index for index, field in enumerate(fields) if not field.is_relation}
    relations = {field.name: (index, field) for index, field in enumerate(fields) if field.is_relation}
    return _Construction(fields, positions, relations)


def new_record(model: type[M], values: dict[str, Any]) -> M:
    """A new, unsaved record of `model`, as `model(**values)` makes it: `values` by field name (a
    relation by its object, or its id under the attname), every other field at its default."""
    plan = _construction(model)
    args: list[Any] = [_UNSET] * len(plan.fields)
    parents: list[tuple[Field[Any, Any], models.Model]] = []
    for name, value in values.items():
        position = plan.positions.get(name)
        if position is not None:
            args[position] = value
        elif name in plan.relations:
            position, relation = plan.relations[name]
            args[position] = None if value is None else value.pk  # None until a new parent is saved
            if value is not None:
                parents.append((relation, value))
        else:
            raise TypeError(f"{model.__name__} has no field {name!r}")
    for position, model_field in enumerate(plan.fields):
        if args[position] is _UNSET:
            args[position] = model_field.get_default()
    instance = model(*args)
    for relation, parent in parents:  # as assigning the object does: no query to read it back
        relation.set_cached_value(instance, parent)  # type: ignore[attr-defined]
    return instance


def _adapted(seen: dict[Any, Any], column: _Column, value: Any) -> Any:
    """`column.adapt(value)`, remembered in `seen` for values of a type that compares by value."""
    if type(value) not in _BY_VALUE:
        return column.adapt(value)
    key = (type(value), value, getattr(value, "tzinfo", None))  # equal instants in two zones differ
    if key not in seen:
        seen[key] = column.adapt(value)
    return seen[key]


_BY_VALUE = frozenset({dt.datetime, dt.date, dt.time, dt.timedelta, decimal.Decimal, uuid.UUID})


def _event(action: str, instance: VersionedModel, case_id: int | None, changes: dict[str, Any]) -> audit.PendingEvent:
    return audit.PendingEvent(
        action=action,
        subject_type=instance._meta.label_lower,
        subject_id=str(instance.pk),
        subject_label=str(instance)[:250],
        case_id=case_id,
        changes=changes,
    )


@dataclass
class AuditedBatch:
    """Audited writes by one actor, held until `write()` appends their events together."""

    actor: User | audit.ActorSnapshot | None
    events: list[audit.PendingEvent] = field(default_factory=list)
    changed_cases: set[int] = field(default_factory=set)
    created: int = 0
    altered: int = 0
    unchanged: int = 0

    def create(self, instances: Sequence[V], *, case_of: Callable[[V], int | None] | None = None) -> list[V]:
        """Insert new records of one model in one statement, each with its `collect` event.
        `case_of` gives a written record's case (its own id for a case; default: none). Write
        parents before their children: a child's foreign key needs the parent's id."""
        if not instances:
            return []
        now = clock.now()
        for instance in instances:
            instance.created_at = instance.updated_at = now
        _insert(instances)
        written = list(instances)
        for instance in written:
            case_id = case_of(instance) if case_of is not None else None
            instance.remember_loaded_state()
            self.events.append(_event(Action.COLLECT, instance, case_id, audit.diff({}, instance.snapshot())))
            if case_id is not None:
                self.changed_cases.add(case_id)
        self.created += len(written)
        return written

    def add_parts(self, instances: Sequence[models.Model]) -> None:
        """Insert rows that belong to a record this batch audits and carry no event of their own
        (a new case's first stage entry: the case's `collect` event records its stage, as
        case_create does)."""
        if instances:
            _insert(instances)

    def update(
        self, instance: VersionedModel, *, expected_version: int, values: dict[str, Any], case_id: int | None
    ) -> dict[str, list[Any]]:
        """Apply `values` if nobody saved since `expected_version`. Returns the audited changes
        ({} when nothing differs); raises EditConflict, and writes nothing, on a stale version."""
        before = _before(instance, list(values))
        changes = audit.diff(before, values)
        if not changes:
            self.unchanged += 1
            return {}
        now = clock.now()
        model = type(instance)
        updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
            **values, version=F("version") + 1, updated_at=now
        )
        if updated != 1:
            raise _conflict(instance, before)
        for key, value in values.items():
            setattr(instance, key, value)
        instance.version = expected_version + 1
        instance.updated_at = now
        instance.remember_loaded_state()
        self.events.append(_event(Action.ALTER, instance, case_id, changes))
        if case_id is not None:
            self.changed_cases.add(case_id)
        self.altered += 1
        return changes

    def write(self) -> None:
        """Append the held events in one statement batch and notify the changed cases; call inside
        the transaction of the writes (`audited_batch` does)."""
        if self.events:
            audit.record_many(actor=self.actor, events=self.events)
        notify_cases_changed(self.changed_cases)
        self.events = []
        self.changed_cases = set()


@contextmanager
def audited_batch(*, actor: User | audit.ActorSnapshot | None) -> Iterator[AuditedBatch]:
    """Audited writes in one transaction: everything in it, events included, commits or rolls back
    together. Inside the caller's transaction it adds no savepoint: an error fails the caller's write."""
    with transaction.atomic(savepoint=False):
        batch = AuditedBatch(actor=actor)
        yield batch
        batch.write()


def versioned_update(
    *,
    actor: User | audit.ActorSnapshot | None,
    instance: VersionedModel,
    expected_version: int,
    values: dict[str, Any],
    case_id: int | None,
) -> dict[str, list[Any]]:
    """Apply `values` if nobody saved since `expected_version`; audit the field changes. `case_id`
    is the case the record belongs to (None for records outside a case, e.g. an agreement).

    The change and its event are one savepoint: a stale version (EditConflict) leaves the caller's
    transaction usable, so it can read the current record to report the conflict."""
    batch = AuditedBatch(actor=actor)
    with transaction.atomic():
        changes = batch.update(instance, expected_version=expected_version, values=values, case_id=case_id)
        batch.write()
    return changes
