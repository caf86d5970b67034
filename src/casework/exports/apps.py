from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "casework.exports"
    label = "exports"
    verbose_name = "Background exports"
    # Core's daily housekeeping removes prepared files past their expiry.
    housekeeping = {"export_files": "casework.exports.services.remove_expired_files"}
