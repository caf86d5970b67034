"""Audit events stay append-only, with one exception the database itself checks: an erasure may
blank an event's personal values (subject label, changes, justification) and its salt, pointing
`erased_by` at the erase event, logged earlier in the same transaction, that covers the event's
case or subject. Every other column, the hashes included, must stay as it was.

An existing trail (written in format 1) also gets one transition event, in format 2, saying from
which seq events are erasable: the boundary is then part of the signed history.
"""

import datetime as dt

from django.db import migrations

KEPT = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "actor_role",
    "actor_unit",
    "action",
    "subject_type",
    "subject_id",
    "case_id",
    "recipient",
    "request_id",
    "client_address",
    "channel",
    "format",
    "commitment",
    "erasure_seal",
    "prev_hash",
    "hash",
)
REDACTION = (
    "OLD.erased_by IS NULL AND NEW.erased_by IS NOT NULL AND NEW.erased_by > OLD.seq"
    " AND NEW.subject_label = '' AND NEW.changes = '' AND NEW.justification = '' AND NEW.salt IS NULL"
    " AND EXISTS (SELECT 1 FROM audit_auditevent e WHERE e.seq = NEW.erased_by AND e.action = 'erase'"
    " AND (e.case_id = OLD.case_id OR (e.subject_type = OLD.subject_type AND e.subject_id = OLD.subject_id)))"
)
MESSAGE = "audit events are append-only; only a logged erasure may blank personal values"

SQLITE_UP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
        WHEN NOT ({REDACTION} AND {" AND ".join(f"NEW.{c} IS OLD.{c}" for c in KEPT)})
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
_ROW = ", ".join
POSTGRES_UP = [
    f"""CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND {REDACTION}
             AND ROW({_ROW(f"NEW.{c}" for c in KEPT)}) IS NOT DISTINCT FROM ROW({_ROW(f"OLD.{c}" for c in KEPT)})
          THEN RETURN NEW; END IF;
          RAISE EXCEPTION '{MESSAGE}';
        END; $$ LANGUAGE plpgsql""",
]
POSTGRES_DOWN = [
    """CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql""",
]


def install(apps, schema_editor):
    statements = {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(schema_editor.connection.vendor)
    if statements is None:
        raise RuntimeError("The audit trail supports SQLite and PostgreSQL only.")
    for sql in statements:
        schema_editor.execute(sql)
    record_transition(schema_editor.connection)


def remove(apps, schema_editor):
    for sql in {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}[schema_editor.connection.vendor]:
        schema_editor.execute(sql)


def record_transition(connection):
    """Append the format transition event to a trail that already has format-1 events."""
    from casework.audit import chain

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(6200062)")
        cursor.execute("SELECT seq, hash FROM audit_auditevent ORDER BY seq DESC LIMIT 1")
        head = cursor.fetchone()
        if head is None:
            return  # a new trail: every event will be format 2
        last_seq, prev_hash = head
        now = dt.datetime.now(dt.UTC)
        instant = chain.format_instant(now)
        salt = chain.new_salt()
        label = (
            f"Audit events from seq {last_seq + 1} on are written in format 2: personal values hashed through "
            f"salted commitments, so that a logged erasure can remove them. Events 1 to {last_seq} keep format 1."
        )
        kept = {
            "seq": last_seq + 1,
            "occurred_at": instant,
            "actor_id": None,
            "actor_label": "system",
            "actor_role": "system",
            "actor_unit": "",
            "action": "config_change",
            "subject_type": "audit.format",
            "subject_id": "2",
            "case_id": None,
            "recipient": "",
            "request_id": "",
            "client_address": "",
            "channel": "cli",
            "commitment": chain.commitment(salt, label, "", "Audit event format change (migration)"),
            "erasure_seal": None,
        }
        digest = chain.event_hash(prev_hash, chain.v2_values(kept))
        columns = (*chain.STORED_FIELDS[:-1], "prev_hash", "hash")
        values = {
            **kept,
            "subject_label": label,
            "changes": "",
            "justification": "Audit event format change (migration)",
            "format": chain.FORMAT_2,
            "salt": salt,
            "prev_hash": prev_hash,
            "hash": digest,
        }
        if connection.vendor == "postgresql":
            values["occurred_at"] = now
        cursor.execute(
            f"INSERT INTO audit_auditevent ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",  # noqa: S608
            [values[name] for name in columns],
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_erasable_event_format")]
    operations = [migrations.RunPython(install, remove)]
