import datetime as dt

from django.apps import AppConfig

from casework.core.schedule import DailyAt, Every, ScheduleEntry


class AssuranceConfig(AppConfig):
    name = "casework.assurance"
    label = "assurance"
    verbose_name = "Casework assurance"

    # A blocking sign-off checkpoint refuses the stage change it guards until a manager approves.
    case_stage_guards = ("casework.assurance.services.blocking_checkpoint_refusal",)
    # A changed case is queued for re-checking in the writer's transaction; the worker re-checks it.
    case_change_listeners = ("casework.assurance.rechecks.recheck_request",)
    case_page_panels = {"compliance": "assurance/_case_panel_hook.html"}
    case_list_flags = ("casework.assurance.rechecks.list_flags",)
    # The rule library's evaluators (rule rows name them; other apps declare theirs the same way).
    assurance_evaluators = {
        name: f"casework.assurance.rules.{name}"
        for name in (
            "acceptance_basis",
            "document_present_or_exempt",
            "psd_has_disclosure_strategy",
            "psd_updated_after_events",
            "charging_rationale",
            "early_advice_requests",
            "checkpoint_signoffs",
            "case_management_panel",
            "vhcc_case_plan",
            "hq_notification",
            "threshold_test_review",
            "ctl_log_current",
            "hearing_record_sheets",
            "review_current",
            "finalisation_recorded",
        )
    }
    schedule = (
        ScheduleEntry(
            name="compliance-sweep",
            task_path="casework.assurance.tasks.assurance_sweep_task",
            cadence=DailyAt(dt.time(2, 0)),
            purpose="Re-evaluate every open case against the compliance rule library.",
        ),
        ScheduleEntry(
            name="assurance-rechecks",
            task_path="casework.assurance.tasks.recheck_task",
            cadence=Every(dt.timedelta(minutes=5)),
            purpose="Re-check changed cases whose queued re-check has not run (each change also queues one at once).",
        ),
        ScheduleEntry(
            name="assurance-dashboard-tallies",
            task_path="casework.assurance.tasks.dashboard_tallies_task",
            cadence=Every(dt.timedelta(hours=1)),
            purpose="Recompute every unit's stored assurance dashboard figures (re-checks refresh theirs at once).",
        ),
    )

    def ready(self) -> None:
        from casework.assurance.models import SignOffRequest, Waiver
        from casework.cases.read_log import register_case_record

        # Pages about a sign-off or waiver show its case: a consultation (core.read_log).
        register_case_record("signoff_id", SignOffRequest, "case_id")
        register_case_record("waiver_id", Waiver, "case_id")
