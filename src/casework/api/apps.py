from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "casework.api"
    label = "api"

    def ready(self) -> None:
        from casework.api.services import revoke_on_credentials_change
        from casework.core.signals import credentials_changed

        credentials_changed.connect(
            revoke_on_credentials_change, dispatch_uid="api-revoke-tokens-on-credentials-change"
        )
