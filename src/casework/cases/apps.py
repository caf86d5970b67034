from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "casework.cases"
    label = "cases"
    verbose_name = "Case register"

    def ready(self) -> None:
        from casework.cases import list_sorts

        list_sorts.register()
