from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "casework.oversight"
    label = "oversight"
    verbose_name = "Oversight and inspection"
