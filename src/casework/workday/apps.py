from django.apps import AppConfig


class WorkdayConfig(AppConfig):
    name = "casework.workday"
    label = "workday"
    verbose_name = "The working day: overviews, case status and the lists behind every figure"

    def ready(self) -> None:
        from casework.workday import list_options

        list_options.register()
