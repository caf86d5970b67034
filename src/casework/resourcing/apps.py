from django.apps import AppConfig


class ResourcingConfig(AppConfig):
    name = "casework.resourcing"
    label = "resourcing"
    verbose_name = "Resourcing (REM)"

    def ready(self) -> None:
        # Registers the REM currency evaluator and its facts provider with the assurance engine.
        from casework.resourcing import assurance

        assurance.connect()
