from django.apps import AppConfig


class WorkdayConfig(AppConfig):
    name = "casework.workday"
    label = "workday"
    verbose_name = "The working day: overviews, case status and the lists behind every figure"

    # The case's status and next action under its name; its key dates and compliance on the Overview.
    case_page_panels = {"status": "workday/_case_status_row.html", "overview": "workday/_key_facts_hook.html"}
    # Each row's status and next action, and a "Work needed" filter group, on the case lists.
    case_list_row_facts = ("casework.workday.list_options.add_status",)
    case_list_filters = ("casework.workday.list_options.WORK_FILTERS",)
