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

    def ready(self) -> None:
        # Pages about a clock, deadline or task show its case: a consultation (core.read_log).
        from casework.cases.read_log import register_case_record
        from casework.progression.models import CustodyClock, Deadline, Task

        register_case_record("clock_id", CustodyClock, "case_id")
        register_case_record("deadline_id", Deadline, "case_id")
        register_case_record("task_id", Task, "case_id")
