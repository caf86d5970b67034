from django.db import models


class RuleKind(models.TextChoices):
    CTL = "ctl", "Custody time limit"
    OFFSET = "offset", "Key date offset"
    NOTICE = "notice", "Notice period before a hearing"


class RuleKeyedOn(models.TextChoices):
    REGIME_START = "regime_start", "The day the limit's custody period began"
    FIRST_CUSTODY = "first_custody", "The day the defendant was first in custody for the offence"


class FailureKind(models.TextChoices):
    EXPIRED_IN_CUSTODY = "expired_in_custody", "Limit expired while in custody"
    EXTENSION_AFTER_EXPIRY = "extension_after_expiry", "Extension recorded after the limit expired"


class CustodyApplicability(models.TextChoices):
    ANY = "any", "Custody or bail"
    CUSTODY = "custody", "Custody cases"
    BAIL = "bail", "Bail cases"


class ClockEventKind(models.TextChoices):
    REMANDED = "remanded", "Remanded in custody"
    BAILED = "bailed", "Bailed"
    SENT = "sent", "Sent to the Crown Court"
    PLEA = "plea", "Guilty plea"
    TRIAL_STARTED = "trial_started", "Trial started"
    EXTENSION_GRANTED = "extension_granted", "Extension granted"
    RETRIAL_ORDERED = "retrial_ordered", "Retrial or voluntary bill"


class ExtensionStatus(models.TextChoices):
    PREPARING = "preparing", "Preparing"
    NOTICE_SERVED = "notice_served", "Notice served"
    GRANTED = "granted", "Granted"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


class DeadlineStatus(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    MISSED = "missed", "Missed"
    SUPERSEDED = "superseded", "No longer applies"


class MissedReason(models.TextChoices):
    POLICE_DELAY = "police_delay", "Police delay"
    DEFENCE = "defence", "Defence"
    COURT_LISTING = "court_listing", "Court listing"
    INTERNAL = "internal", "Internal (CPS)"
    OTHER = "other", "Other"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class NoticeEvent(models.TextChoices):
    """What a notice is about: one notice per case and event, whatever the number of charges."""

    CTL_WARNING = "ctl_warning", "Custody time limit near expiry"
    CTL_FAILURE = "ctl_failure", "Custody time limit failure"
    EXTENSION_UNDECIDED = "extension_undecided", "Extension hearing passed with no decision"
    DEADLINE_MOVED = "deadline_moved", "Date moved"
    TASK_ESCALATED = "task_escalated", "Task escalated"
    SWEEP_ERROR = "sweep_error", "Dates could not be worked out"
