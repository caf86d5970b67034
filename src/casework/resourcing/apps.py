import datetime as dt

from django.apps import AppConfig

from casework.core.schedule import DailyAt, Every, ScheduleEntry


class ResourcingConfig(AppConfig):
    name = "casework.resourcing"
    label = "resourcing"
    verbose_name = "Resourcing (REM)"

    case_page_panels = {"overview": "resourcing/_case_panel_hook.html"}
    # A changed case (or REM record) forgets its stored complexity band and its unit's stored summary
    # in the writing transaction.
    case_change_listeners = ("casework.resourcing.stored.invalidate",)

    # The REM currency assurance rule (its row from migration 0003_assurance_rule names the evaluator).
    assurance_evaluators = {"rem_record_current": "casework.resourcing.assurance.rem_record_current"}
    assurance_facts = {"rem": "casework.resourcing.selectors.assurance_facts"}
    schedule = (
        ScheduleEntry(
            name="resourcing-bands",
            task_path="casework.resourcing.tasks.band_refresh_task",
            cadence=Every(dt.timedelta(minutes=10)),
            purpose=(
                "Store the complexity bands of open cases changed since (or banded under an older REM policy),"
                " then every unit's summary for the national pages."
            ),
        ),
        ScheduleEntry(
            name="resourcing-nightly",
            task_path="casework.resourcing.tasks.nightly_figures_task",
            cadence=DailyAt(dt.time(2, 30)),
            purpose=(
                "Band every open case again, store every unit's summary and make each unit's twelve-month"
                " demand forecast for the day."
            ),
        ),
    )
