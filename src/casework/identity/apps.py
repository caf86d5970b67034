from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "casework.identity"
    label = "identity"
    verbose_name = "Sign-in and accounts"

    def ready(self) -> None:
        from casework.identity import checks  # noqa: F401  (registers the deploy checks)
        from casework.identity.oidc import config

        # A wrong role map must stop the service starting, not surface at someone's first sign-in.
        config.load()
