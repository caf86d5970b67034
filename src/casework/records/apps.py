import datetime as dt

from django.apps import AppConfig

from casework.core.schedule import DailyAt, ScheduleEntry


class RecordsConfig(AppConfig):
    name = "casework.records"
    label = "records"
    verbose_name = "Records management"

    schedule = (
        ScheduleEntry(
            name="records-retention",
            task_path="casework.records.tasks.retention_task",
            cadence=DailyAt(dt.time(3, 30)),
            purpose="Count records due for retention review and dispose of those records officers approved.",
        ),
    )
