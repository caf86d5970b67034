"""Writing checked time records: one row per (person, case, week, activity), audited the way
resourcing.services.time_entry_record audits a single entry (collect when new, alter when the
hours change). That service is not called row by row because it admits only the unit's managers
acting in person; an import is also run by administrators and from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from casework.audit.choices import Action
from casework.audit.services import PendingEvent
from casework.core import clock
from casework.imports.time_records import TimeKey, TimeRow
from casework.resourcing.models import TimeEntry

if TYPE_CHECKING:
    from casework.imports.case_services import ImportBatch


def write_time(batch: ImportBatch, rows: list[TimeRow]) -> None:
    existing: dict[TimeKey, TimeEntry] = {
        (e.person_id, e.record.case_id, e.week_starting, e.activity): e
        for e in TimeEntry.objects.filter(
            record_id__in={row.record_id for row in rows}, person_id__in={row.person_id for row in rows}
        ).select_related("record")
    }
    now = clock.now()
    for row in rows:
        entry = existing.get(row.key)
        if entry is not None and entry.hours == row.hours:
            batch.unchanged += 1
            continue
        before = None if entry is None else str(entry.hours)
        if entry is None:
            entry = TimeEntry.objects.create(
                record_id=row.record_id,
                person_id=row.person_id,
                week_starting=row.week_starting,
                activity=row.activity,
                hours=row.hours,
                recorded_at=now,
            )
            existing[row.key] = entry
            batch.created += 1
        else:
            TimeEntry.objects.filter(pk=entry.pk).update(hours=row.hours, recorded_at=now)
            entry.hours = row.hours
            batch.altered += 1
        batch.events.append(
            PendingEvent(
                action=Action.COLLECT if before is None else Action.ALTER,
                subject_type=entry._meta.label_lower,
                subject_id=str(entry.pk),
                subject_label=str(entry)[:250],
                case_id=row.case_id,
                changes={
                    "hours": [before, str(row.hours)],
                    "person_id": [None, row.person_id],
                    "week_starting": [None, str(row.week_starting)],
                    "activity": [None, row.activity],
                },
            )
        )
