from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "casework.api"
    label = "api"

    # A changed password or a switched-off account ends every API token the person holds.
    credentials_changed_listeners = ("casework.api.services.revoke_on_credentials_change",)
