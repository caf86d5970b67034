from django.db import models


class Outcome(models.TextChoices):
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    NOT_APPLICABLE = "na", "Not applicable"
    WAIVED = "waived", "Waived"
    EXEMPT = "exempt", "Exempt"


class Scope(models.TextChoices):
    PRE_CHARGE = "pre_charge", "Pre-charge"
    POST_CHARGE = "post_charge", "Post-charge"
    BOTH = "both", "Pre- and post-charge"


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class SignOffStatus(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ExemptDocument(models.TextChoices):
    PSD = "psd", "Prosecution Strategy Document"
    DMD = "dmd", "Disclosure Management Document"


class PanelActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
