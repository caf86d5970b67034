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
        from casework.partners.selectors import early_advice_facts

        register_facts_provider("early_advice", early_advice_facts)
