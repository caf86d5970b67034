from django.db import models


class RecordType(models.TextChoices):
    CASE_FILE = "case_file", "Case file (after finalisation)"
    REFERRAL_NOT_ACCEPTED = "referral_not_accepted", "Police referral not accepted"
    EARLY_ADVICE = "early_advice", "Early investigative advice request"
    IQA = "iqa", "Individual Quality Assessment"
    TIME_RECORDS = "time_records", "Time records"
    STAFF_RECORDS = "staff_records", "Staff records (after leaving)"
    AUDIT_EVENTS = "audit_events", "Audit trail events"
    EXPORTS = "exports", "Import and export working records"


class Trigger(models.TextChoices):
    FINALISED = "finalised", "the date the case was finalised (or discontinued, or closed with no further action)"
    DECIDED = "decided", "the date the referral was declined or sent elsewhere"
    RESPONDED = "responded", "the date the advice was given or declined"
    CLOSED = "closed", "the date the assessment was closed"
    WEEK = "week", "the end of the week the time was recorded for"
    LEFT = "left", "the date the person left (their account was deactivated)"
    OCCURRED = "occurred", "the date of the event"
    FINISHED = "finished", "the date the import finished"


class DisposalAction(models.TextChoices):
    ERASE = "erase", "Erase the personal data, keep what statistics need"
    REVIEW = "review", "Review by hand: the service does not dispose of these itself"
    ARCHIVE = "archive", "Export to the archive; never deleted by the service"


class Decision(models.TextChoices):
    APPROVE = "approve", "Disposal approved"
    EXTEND = "extend", "Kept longer"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running (or interrupted: run again to finish)"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Stopped by an error: disposed records are kept disposed; run again to finish"


class RetentionState(models.TextChoices):
    NOT_DUE = "not_due", "Not yet due"
    DUE = "due", "Due for review"
    APPROVED = "approved", "Disposal approved"
    EXTENDED = "extended", "Kept longer"
    HELD = "held", "Under legal hold"
    DISPOSED = "disposed", "Disposed"
