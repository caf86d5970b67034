from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "casework.identity"
    label = "identity"
    verbose_name = "Sign-in and accounts"

    # Core's daily housekeeping removes sign-in throttling rows past their window.
    housekeeping = {"login_failures": "casework.identity.sign_in_throttle.prune_login_failures"}

    def ready(self) -> None:
        from casework.identity import checks, signals  # noqa: F401  (deploy checks; sign-in audit receivers)
        from casework.identity.oidc import config

        # A wrong role map must stop the service starting, not surface at someone's first sign-in.
        config.load()
