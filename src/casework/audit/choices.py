from django.db import models


class Action(models.TextChoices):
    # Data Protection Act 2018 s.62 processing operations.
    COLLECT = "collect", "Collection"
    ALTER = "alter", "Alteration"
    CONSULT = "consult", "Consultation"
    DISCLOSE = "disclose", "Disclosure"
    COMBINE = "combine", "Combination"
    ERASE = "erase", "Erasure"
    # Security events.
    LOGIN = "login", "Sign in"
    LOGIN_FAILED = "login_failed", "Failed sign in"
    LOGOUT = "logout", "Sign out"
    ACCESS_DENIED = "access_denied", "Access denied"
    PERMISSION_CHANGE = "permission_change", "Permission change"
    CONFIG_CHANGE = "config_change", "Configuration change"
    EXPORT = "export", "Export"
    BREAK_GLASS = "break_glass", "Access outside own work"


#: s.62(3): consultation and disclosure must record a justification.
JUSTIFICATION_REQUIRED = frozenset({Action.CONSULT, Action.DISCLOSE, Action.BREAK_GLASS, Action.EXPORT})
