from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "casework.cases"
    label = "cases"
    verbose_name = "Case register"

    def ready(self) -> None:
        # Pages about a case are consultations of it, logged even if a view forgets (core.read_log).
        from casework.cases import read_log

        read_log.register()
