import datetime as dt

from django.apps import AppConfig

from casework.core.schedule import DailyAt, ScheduleEntry


class ProgressionConfig(AppConfig):
    name = "casework.progression"
    label = "progression"
    verbose_name = "Case progression"

    case_page_panels = ("progression/_case_panel_hook.html",)

    schedule = (
        ScheduleEntry(
            name="progression-sweep",
            task_path="casework.progression.tasks.progression_sweep_task",
            cadence=DailyAt(dt.time(2, 30)),
            purpose="Recompute custody time limits, stage dates and directions falling due.",
        ),
        ScheduleEntry(
            name="daily-digests",
            task_path="casework.progression.tasks.send_digests_task",
            cadence=DailyAt(dt.time(6, 30)),
            purpose="E-mail each owner the time limits and directions due soon (reminders).",
        ),
    )
