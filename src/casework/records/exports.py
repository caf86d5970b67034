"""XLSX and CSV exports of the retention review list, the disposal log and the dashboard figures.
Producing one is audited as an `export` event, with why and for whom (DPA 2018 s.62); every cell
passes through spreadsheet_safe. None of them holds personal data of the records' subjects:
references, units, dates, rules and decisions only."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.errors import ValidationFailed
from casework.core.spreadsheets import Table, tables_to_csv
from casework.core.xlsx_stream import tables_to_xlsx
from casework.records import selectors

FORMATS = ("xlsx", "csv")
KINDS = {"review": "Retention review list", "disposals": "Disposal log", "dashboard": "Retention dashboard"}


def _review_table(user: Any) -> Table:
    rows = [
        [
            item.record_type_label,
            item.label,
            item.unit_name,
            f"{item.rule.code} v{item.rule.version}",
            item.trigger_date,
            item.verdict.due_on,
            item.state_label,
            item.verdict.explanation,
        ]
        for item in selectors.review_list(user=user)
    ]
    header = ["Type", "Record", "Unit", "Rule", "Trigger date", "Due on", "State", "Explanation"]
    return Table("Retention review", header, rows)


def _disposals_table(user: Any) -> Table:
    rows = [
        [
            r.disposed_at.astimezone(clock.LONDON).strftime("%Y-%m-%d %H:%M"),
            r.get_record_type_display(),
            r.label,
            r.unit.name if r.unit else "",
            f"{r.rule.code} v{r.rule.version}" if r.rule else "",
            r.trigger_date,
            r.due_on,
            r.approved_by.username,
            r.reason,
            r.erase_event_seq,
            r.audit_events_redacted,
            r.rows_total,
        ]
        for r in selectors.disposal_log(user=user)
    ]
    header = [
        "Disposed (UK time)",
        "Type",
        "Record",
        "Unit",
        "Rule",
        "Trigger date",
        "Due on",
        "Approved by",
        "Reason",
        "Erase event",
        "Audit events redacted",
        "Rows erased",
    ]
    return Table("Disposal log", header, rows)


def _dashboard_tables(user: Any) -> list[Table]:
    figures = selectors.dashboard(user=user)
    by_unit = Table(
        "By unit",
        ["Unit", "Due for review", "Approved", "Under legal hold", "Kept longer"],
        [[u.unit, u.due, u.approved, u.held, u.extended] for u in figures.by_unit],
    )
    by_quarter = Table(
        "Disposed per quarter", ["Quarter", "Records disposed of"], [list(q) for q in figures.disposed_by_quarter]
    )
    return [by_unit, by_quarter]


@transaction.atomic
def export(*, actor: Any, kind: str, fmt: str, justification: str, recipient: str) -> bytes:
    if kind not in KINDS or fmt not in FORMATS:
        raise ValidationFailed("Choose what to export and a format.")
    if not justification.strip() or not recipient.strip():
        raise ValidationFailed("Say why the file is produced and who will receive it.")
    tables = {
        "review": lambda: [_review_table(actor)],
        "disposals": lambda: [_disposals_table(actor)],
        "dashboard": lambda: _dashboard_tables(actor),
    }[kind]()
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        subject_type="records.export",
        subject_id=kind,
        subject_label=f"{KINDS[kind]} ({fmt.upper()}, {sum(len(t.rows) for t in tables)} rows)",
        justification=justification,
        recipient=recipient,
    )
    return tables_to_xlsx(tables) if fmt == "xlsx" else tables_to_csv(tables)
