from __future__ import annotations

import datetime as dt

from django.apps import AppConfig

from casework.core.schedule import DailyAt, ScheduleEntry


class PartnersConfig(AppConfig):
    name = "casework.partners"
    label = "partners"
    verbose_name = "Police partnership"
    default_auto_field = "django.db.models.BigAutoField"

    # The assurance engine's "early_advice_requests" rule reads these facts per case.
    assurance_facts = {"early_advice": "casework.partners.selectors.early_advice_facts"}
    schedule = (
        ScheduleEntry(
            name="partners-sweep",
            task_path="casework.partners.tasks.partners_sweep_task",
            cadence=DailyAt(dt.time(1, 30)),
            purpose="Mark agreements review-due or expired, send review reminders, and escalate referrals "
            "and action plans past their SLA up each agreement's ladder.",
        ),
    )

    def ready(self) -> None:
        from casework.core import read_log
        from casework.partners.reads import action_plan_page_consulted, referral_page_consulted

        # A page about a referral shows the police's content: a consultation (core.read_log).
        read_log.register("referral_id", referral_page_consulted)
        read_log.register("plan_id", action_plan_page_consulted)
