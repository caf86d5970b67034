import datetime as dt

from django.apps import AppConfig

from casework.core.schedule import Every, ScheduleEntry


class WorkdayConfig(AppConfig):
    name = "casework.workday"
    label = "workday"
    verbose_name = "The working day: overviews, case status and the lists behind every figure"

    # The case's status and next action under its name; its key dates and compliance on the Overview.
    case_page_panels = {"status": "workday/_case_status_row.html", "overview": "workday/_key_facts_hook.html"}
    # Each row's status and next action, and a "Work needed" filter group, on the case lists.
    case_list_row_facts = ("casework.workday.list_options.add_status",)
    case_list_filters = ("casework.workday.list_options.WORK_FILTERS",)

    # A changed case marks its unit and holders as changed, so their stored overview counts are not used.
    case_change_listeners = ("casework.workday.tallies.cases_changed",)
    schedule = (
        ScheduleEntry(
            name="workday-tallies",
            task_path="casework.workday.tasks.tallies_refresh_task",
            cadence=Every(dt.timedelta(minutes=5)),
            purpose=(
                "Store every unit's and caseworker's overview counts, so overviews read a row; changes"
                " made without notification (the sweeps' set-based writes) show within five minutes."
            ),
        ),
    )
