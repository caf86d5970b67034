from django.apps import AppConfig


class AssuranceConfig(AppConfig):
    name = "casework.assurance"
    label = "assurance"
    verbose_name = "Casework assurance"

    def ready(self) -> None:
        from casework.assurance import hooks

        hooks.connect()
