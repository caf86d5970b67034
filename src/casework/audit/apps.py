import datetime as dt

from django.apps import AppConfig

from casework.core.schedule import Every, ScheduleEntry


class AuditConfig(AppConfig):
    name = "casework.audit"
    label = "audit"
    verbose_name = "Audit trail"

    schedule = (
        ScheduleEntry(
            name="audit-checkpoint",
            task_path="casework.audit.tasks.audit_checkpoint_task",
            cadence=Every(dt.timedelta(hours=1)),
            purpose="Sign a Merkle tree head over the audit trail and export it outside the database.",
        ),
    )
