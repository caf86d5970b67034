from django.apps import AppConfig


class ProgressionConfig(AppConfig):
    name = "casework.progression"
    label = "progression"
    verbose_name = "Case progression"

    def ready(self) -> None:
        from casework.progression import list_options

        list_options.register()
