from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "casework.people"
    label = "people"
    verbose_name = "Organisation and people"

    def ready(self) -> None:
        from casework.people import signals  # noqa: F401  (login audit receivers)
