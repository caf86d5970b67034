import datetime as dt

from django.apps import AppConfig

from casework.core.schedule import Every, ScheduleEntry


class OversightConfig(AppConfig):
    name = "casework.oversight"
    label = "oversight"
    verbose_name = "Oversight and inspection"

    schedule = (
        ScheduleEntry(
            name="oversight-tallies",
            task_path="casework.oversight.tasks.oversight_refresh_task",
            cadence=Every(dt.timedelta(hours=1)),
            purpose="Recompute the oversight dashboard's compliance figures per unit (the national view reads them).",
        ),
    )
