"""Writing the audit trail. Every service that changes or reveals data calls `record()` inside
its own transaction, so the change and its audit event commit or roll back together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from django.db import connection, transaction

from casework.audit import chain
from casework.audit.choices import JUSTIFICATION_REQUIRED, Action
from casework.core import clock, context

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from casework.people.models import User

# Any 64-bit number unique to this lock; it serialises audit appends on PostgreSQL. SQLite
# needs no lock: IMMEDIATE transactions already admit one writer at a time.
_PG_AUDIT_LOCK_KEY = 6_200_062


@dataclass(frozen=True)
class ActorSnapshot:
    """Who did it, frozen at the time: names and roles change, the trail must not."""

    actor_id: int | None
    label: str
    role: str
    unit: str


SYSTEM_ACTOR = ActorSnapshot(actor_id=None, label="system", role="system", unit="")


#: Who an event is by: a person, a request's user (an anonymous one is recorded as the system), a
#: ready-made snapshot (loaders and batch writes), or None for the system itself.
AuditActor: TypeAlias = "User | AnonymousUser | ActorSnapshot | None"


def actor_snapshot(user: Any) -> ActorSnapshot:
    if user is None or not getattr(user, "is_authenticated", False):
        return SYSTEM_ACTOR
    cached = getattr(user, "_audit_snapshot", None)
    if cached is None:
        unit = user.unit.name if user.unit_id else ""
        cached = ActorSnapshot(
            actor_id=user.pk, label=f"{user.display_name} ({user.username})", role=user.primary_role_label, unit=unit
        )
        user._audit_snapshot = cached
    return cached


@dataclass(frozen=True)
class EventRef:
    seq: int
    hash: str


# Built from constants only.
_INSERT_COLUMNS = (*chain.STORED_FIELDS[:-1], "prev_hash", "hash")  # erased_by is set only by an erasure
_INSERT_SQL = (
    f"INSERT INTO audit_auditevent ({', '.join(_INSERT_COLUMNS)}) VALUES ("  # noqa: S608
    + ", ".join(["%s"] * len(_INSERT_COLUMNS))
    + ")"
)
_HEAD_SQL = "SELECT seq, hash FROM audit_auditevent ORDER BY seq DESC LIMIT 1"


def lock_chain() -> None:
    """Hold the append lock until the transaction ends (PostgreSQL; on SQLite the IMMEDIATE
    transaction already admits one writer at a time). Call inside a transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_AUDIT_LOCK_KEY])


def _chain_head(cursor: Any) -> tuple[int, str]:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_AUDIT_LOCK_KEY])
    cursor.execute(_HEAD_SQL)
    row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, chain.GENESIS_HASH)


def _db_instant(instant: dt.datetime, canonical: str) -> Any:
    # SQLite stores the canonical text itself (so verification reads it unconverted);
    # PostgreSQL takes the aware datetime.
    return canonical if connection.vendor == "sqlite" else instant


@dataclass(frozen=True)
class PendingEvent:
    action: str
    subject_type: str = ""
    subject_id: str = ""
    subject_label: str = ""
    case_id: int | None = None
    changes: dict[str, Any] | None = None
    justification: str = ""
    recipient: str = ""
    #: Only for an erase event that redacts format-1 events: the seal over what remains of them.
    erasure_seal: str | None = None


# Action.values rebuilds its list on every access; bulk writes validate thousands of events.
_ACTION_VALUES = frozenset(Action.values)


def _validate(event: PendingEvent) -> None:
    if event.action not in _ACTION_VALUES:
        raise ValueError(f"unknown audit action {event.action!r}")
    if event.action in JUSTIFICATION_REQUIRED and not event.justification.strip():
        raise ValueError(f"a {event.action} event needs a justification (DPA 2018 s.62)")
    if event.action == Action.ERASE and event.changes:
        raise ValueError("an erasure event records what was erased, never the erased content")


def record(
    *,
    actor: AuditActor,
    action: str,
    subject: Any = None,
    subject_type: str = "",
    subject_id: str | int = "",
    subject_label: str = "",
    case_id: int | None = None,
    changes: dict[str, Any] | None = None,
    justification: str = "",
    recipient: str = "",
) -> EventRef:
    """Append one event. Call inside the transaction of the change it records."""
    if subject is not None:
        subject_type = subject_type or subject._meta.label_lower
        subject_id = subject_id or subject.pk
        subject_label = subject_label or str(subject)[:250]
    event = PendingEvent(
        action=str(action),
        subject_type=subject_type,
        subject_id=str(subject_id),
        subject_label=subject_label,
        case_id=case_id,
        changes=changes,
        justification=justification,
        recipient=recipient,
    )
    return record_many(actor=actor, events=[event])[-1]


def record_many(*, actor: AuditActor, events: Sequence[PendingEvent], at: dt.datetime | None = None) -> list[EventRef]:
    """Append several events by one actor in one statement batch (bulk imports, demo loading)."""
    for event in events:
        _validate(event)
    who = actor if isinstance(actor, ActorSnapshot) else actor_snapshot(actor)
    ctx = context.current()
    instant = at or clock.now()
    canonical_instant = chain.format_instant(instant)
    db_instant = _db_instant(instant, canonical_instant)
    refs: list[EventRef] = []
    params: list[list[Any]] = []
    # The hashed array of every event in the batch starts from the same values (the instant, the
    # actor, the request); each event fills in its own (see chain.V2_PER_EVENT).
    template = chain.v2_values(
        {
            "occurred_at": canonical_instant,
            "actor_id": who.actor_id,
            "actor_label": who.label,
            "actor_role": who.role,
            "actor_unit": who.unit,
            "request_id": ctx.request_id,
            "client_address": ctx.client_address,
            "channel": ctx.channel,
        }
        | dict.fromkeys(chain.V2_PER_EVENT)
    )
    at_seq, at_action, at_type, at_id, at_case, at_recipient, at_commitment, at_seal = (
        chain.V2_POSITION[name] for name in chain.V2_PER_EVENT
    )
    with transaction.atomic(), connection.cursor() as cursor:
        seq, prev_hash = _chain_head(cursor)
        for event, salt in zip(events, chain.new_salts(len(events)), strict=True):
            seq += 1
            changes = chain.canonical_changes(event.changes)
            commitment = chain.commitment(salt, event.subject_label, changes, event.justification)
            hashed = template.copy()
            hashed[at_seq] = seq
            hashed[at_action] = event.action
            hashed[at_type] = event.subject_type
            hashed[at_id] = event.subject_id
            hashed[at_case] = event.case_id
            hashed[at_recipient] = event.recipient
            hashed[at_commitment] = commitment
            hashed[at_seal] = event.erasure_seal
            digest = chain.event_hash(prev_hash, hashed)
            params.append(
                [
                    seq,
                    db_instant,
                    who.actor_id,
                    who.label,
                    who.role,
                    who.unit,
                    event.action,
                    event.subject_type,
                    event.subject_id,
                    event.subject_label,
                    event.case_id,
                    changes,
                    event.justification,
                    event.recipient,
                    ctx.request_id,
                    ctx.client_address,
                    ctx.channel,
                    chain.FORMAT_2,
                    salt,
                    commitment,
                    event.erasure_seal,
                    prev_hash,
                    digest,
                ]
            )
            refs.append(EventRef(seq=seq, hash=digest))
            prev_hash = digest
        if len(params) == 1:
            cursor.execute(_INSERT_SQL, params[0])
        else:
            cursor.executemany(_INSERT_SQL, params)
    for event in events:
        if event.action in READ_ACTIONS:
            _note_read(event)
    return refs


#: Events that record someone reading personal data.
READ_ACTIONS = frozenset({Action.CONSULT, Action.DISCLOSE, Action.EXPORT})


def _note_read(event: PendingEvent) -> None:
    """Tell the request which records it has logged a read of (see casework.core.read_log)."""
    if event.case_id is not None:
        context.note_read(f"case:{event.case_id}")
    if event.subject_type and event.subject_id:
        context.note_read(f"{event.subject_type}:{event.subject_id}")
    for key, kind in (("cases", "case"), ("referrals", "partners.referral")):
        listed = (event.changes or {}).get(key)
        if isinstance(listed, list | tuple) and len(listed) == 2 and listed[1]:
            context.note_reads(kind, listed[1])


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed, JSON-friendly."""
    changed: dict[str, list[Any]] = {}
    for key, new in after.items():
        old = before.get(key)
        if old != new:
            changed[key] = [_plain(old), _plain(new)]
    return changed


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _instant_sql() -> str:
    if connection.vendor == "sqlite":
        return "occurred_at || ''"
    return "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"


def chain_row_sql(where: str = "seq >= %s ORDER BY seq LIMIT %s") -> str:
    """SELECT of every stored field plus (prev_hash, hash), canonical instants included, WHERE
    `where` (a constant with placeholders)."""
    instant = _instant_sql()
    columns = ", ".join(instant if name == "occurred_at" else name for name in chain.STORED_FIELDS)
    return f"SELECT {columns}, prev_hash, hash FROM audit_auditevent WHERE {where}"  # noqa: S608


def iter_chain_rows(
    batch_size: int = 20_000, start_seq: int = 1, end_seq: int | None = None
) -> Iterable[Sequence[Any]]:
    """Every event's stored values (chain.STORED_FIELDS) plus (prev_hash, hash), in seq order,
    read without ORM cost."""
    sql = chain_row_sql()
    next_seq = start_seq
    with connection.cursor() as cursor:
        while end_seq is None or next_seq <= end_seq:
            limit = batch_size if end_seq is None else min(batch_size, end_seq - next_seq + 1)
            cursor.execute(sql, [next_seq, limit])
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            next_seq = rows[-1][0] + 1


def binary_reads_available() -> bool:
    """PostgreSQL can send the chain's rows in binary (psycopg 3): no text parsing of numbers, and
    the columns come in the order the hash takes them (chain.READ_ORDER)."""
    return connection.vendor == "postgresql"


def read_order_sql() -> str:
    """PostgreSQL: chain.READ_ORDER columns for seq >= %s AND seq <= %s, in seq order, LIMIT %s."""
    columns = []
    for name in chain.READ_ORDER:
        if name == "v2_mark":
            columns.append(f"'{chain.V2_MARK}'::text")
        elif name == "occurred_at":
            columns.append(_instant_sql())
        else:
            columns.append(name)
    return (
        f"SELECT {', '.join(columns)} FROM audit_auditevent"  # noqa: S608
        " WHERE seq >= %s AND seq <= %s ORDER BY seq LIMIT %s"
    )


def iter_read_order_rows(
    batch_size: int = 20_000, start_seq: int = 1, end_seq: int | None = None
) -> Iterable[Sequence[Any]]:
    """Every event from start_seq (to end_seq) in chain.READ_ORDER, read in binary from PostgreSQL
    in pages of batch_size rows (so memory stays bounded whatever the trail's length)."""
    import psycopg  # PostgreSQL only

    sql = read_order_sql()
    last = end_seq if end_seq is not None else 2**63 - 1
    connection.ensure_connection()
    # Binary results need server-side parameters: the driver's plain cursor, not Django's.
    with psycopg.Cursor(connection.connection) as cursor:
        next_seq = start_seq
        while next_seq <= last:
            cursor.execute(sql, (next_seq, last, batch_size), binary=True)
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            next_seq = rows[-1][chain.READ_ORDER.index("seq")] + 1


def sqlite_hash_inputs_available() -> bool:
    """SQLite can build the canonical JSON itself (json_array matches the Python encoder byte for
    byte: compact, non-ASCII kept, the same escapes), which makes verification two to three times faster."""
    if connection.vendor != "sqlite":
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT json_array(1, 'é', NULL)")
            row = cursor.fetchone()
    except Exception:
        return False
    return bool(row) and row[0] == '[1,"é",null]'


def hash_input_sql(*, bounded: bool) -> str:
    """SQLite: per event, the bytes to hash built by the database (chain.HashInput), from seq >= ?
    then LIMIT ? or, `bounded`, seq < ?."""

    def array(names: Sequence[str]) -> str:
        return ", ".join("occurred_at || ''" if name == "occurred_at" else name for name in names)

    legacy = "(format IS NULL OR format = 1)"
    mark = chain.V2_MARK
    columns = (
        "seq",
        f"CASE WHEN {legacy} THEN CASE WHEN erased_by IS NULL"
        f" THEN CAST(prev_hash || json_array({array(chain.CANONICAL_FIELDS)}) AS BLOB) END"
        f" ELSE CAST(prev_hash || json_array('{mark}', {array(chain.V2_HASHED_FIELDS)}) AS BLOB) END",
        f"CASE WHEN format = {chain.FORMAT_2} AND erased_by IS NULL"
        f" THEN CAST(salt || json_array({array(chain.PERSONAL_FIELDS)}) AS BLOB) END",
        "commitment",
        "prev_hash",
        "hash",
        "erased_by",
        f"CASE WHEN erased_by IS NOT NULL AND {legacy} THEN CAST(json_array({array(chain.SEAL_FIELDS)}) AS BLOB) END",
        "erasure_seal",
        "action",
    )
    window = "AND seq < ? ORDER BY seq" if bounded else "ORDER BY seq LIMIT ?"
    return f"SELECT {', '.join(columns)} FROM audit_auditevent WHERE seq >= ? {window}"  # noqa: S608


def iter_hash_inputs(batch_size: int = 50_000, start_seq: int = 1) -> Iterable[Sequence[Any]]:
    """chain.HashInput per event, built inside SQLite.

    Only the bytes to hash cross into Python; a mismatch found this way is re-checked with the
    Python encoder (see verification.verify_chain) before it is reported.
    """
    sql = hash_input_sql(bounded=False)
    connection.ensure_connection()
    # The driver's own cursor: these rows need none of Django's conversions.
    cursor = connection.connection.cursor()
    next_seq = start_seq
    try:
        while True:
            rows = cursor.execute(sql, (next_seq, batch_size)).fetchall()
            if not rows:
                return
            yield from rows
            next_seq = rows[-1][0] + 1
    finally:
        cursor.close()
