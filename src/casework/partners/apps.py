from __future__ import annotations

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "casework.partners"
    label = "partners"
    verbose_name = "Police partnership"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The assurance engine's "early_advice_requests" rule reads these facts per case.
        from casework.assurance.selectors import register_facts_provider
        from casework.core import read_log
        from casework.partners.reads import action_plan_page_consulted, referral_page_consulted
        from casework.partners.selectors import early_advice_facts

        register_facts_provider("early_advice", early_advice_facts)
        # A page about a referral shows the police's content: a consultation (core.read_log).
        read_log.register("referral_id", referral_page_consulted)
        read_log.register("plan_id", action_plan_page_consulted)
