from django.apps import AppConfig


class AssuranceConfig(AppConfig):
    name = "casework.assurance"
    label = "assurance"
    verbose_name = "Casework assurance"

    def ready(self) -> None:
        from casework.assurance import hooks
        from casework.assurance.models import SignOffRequest, Waiver
        from casework.cases.read_log import register_case_record

        hooks.connect()
        # Pages about a sign-off or waiver show its case: a consultation (core.read_log).
        register_case_record("signoff_id", SignOffRequest, "case_id")
        register_case_record("waiver_id", Waiver, "case_id")
