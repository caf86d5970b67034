import datetime as dt

from django.apps import AppConfig

from casework.core.schedule import DailyAt, ScheduleEntry


class ProgressionConfig(AppConfig):
    name = "casework.progression"
    label = "progression"
    verbose_name = "Case progression"

    # The case's clocks and next deadlines: on the case page's Overview and its Deadlines section.
    case_page_panels = {
        "overview": "progression/_case_panel_hook.html",
        "deadlines": "progression/_case_panel_hook.html",
    }
    # Sort the case lists by the next custody time limit expiry; filter them by custody time limits.
    case_list_sorts = ("casework.progression.list_options.CTL_EXPIRY_SORT",)
    case_list_filters = ("casework.progression.list_options.CTL_FILTERS",)

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
