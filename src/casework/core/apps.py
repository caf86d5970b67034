import datetime as dt

from django.apps import AppConfig

from casework.core.schedule import DailyAt, ScheduleEntry


class CoreConfig(AppConfig):
    name = "casework.core"
    label = "core"
    verbose_name = "Core"

    schedule = (
        ScheduleEntry(
            name="housekeeping",
            task_path="casework.core.tasks.housekeeping_task",
            cadence=DailyAt(dt.time(3, 0)),
            purpose="Prune finished background-task results and expired sign-in throttling rows.",
        ),
    )
