from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "casework.quality"
    label = "quality"
    verbose_name = "Individual quality assessments"

    def ready(self) -> None:
        # Importing the module registers its evaluators with the assurance engine.
        from casework.quality import assurance

        assurance.connect()
