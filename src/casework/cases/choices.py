from django.db import models


class Stage(models.TextChoices):
    PRE_CHARGE = "pre_charge", "Pre-charge advice"
    CHARGING_DECISION = "charging_decision", "Charging decision"
    CHARGED = "charged", "Charged / sent"
    PTPH = "ptph", "Plea and trial preparation hearing"
    TRIAL_PREPARATION = "trial_preparation", "Trial preparation"
    TRIAL = "trial", "Trial"
    SENTENCE = "sentence", "Sentence"
    FINALISED = "finalised", "Finalised"
    DISCONTINUED = "discontinued", "Discontinued"
    NO_FURTHER_ACTION = "nfa", "No further action"


OPEN_STAGES = frozenset(
    {
        Stage.PRE_CHARGE,
        Stage.CHARGING_DECISION,
        Stage.CHARGED,
        Stage.PTPH,
        Stage.TRIAL_PREPARATION,
        Stage.TRIAL,
        Stage.SENTENCE,
    }
)
PRE_CHARGE_STAGES = frozenset({Stage.PRE_CHARGE, Stage.CHARGING_DECISION})


class CustodyStatus(models.TextChoices):
    IN_CUSTODY = "custody", "Remanded in custody"
    BAIL = "bail", "On bail"
    RUI = "rui", "Released under investigation"
    NOT_ARRESTED = "not_arrested", "Not arrested"
    SERVING = "serving", "Serving a sentence"


class OffenceClassification(models.TextChoices):
    SUMMARY_ONLY = "summary_only", "Summary only"
    EITHER_WAY = "either_way", "Either way"
    INDICTABLE_ONLY = "indictable_only", "Indictable only"


class HearingType(models.TextChoices):
    # Named as HMCTS lists hearings.
    FIRST_APPEARANCE = "first_appearance", "First hearing"
    SENDING = "sending", "Sending to the Crown Court"
    PTPH = "ptph", "Plea and trial preparation hearing"
    MENTION = "mention", "Mention"
    CTL_EXTENSION = "ctl_extension", "Application to extend custody time limits"
    PRE_TRIAL_REVIEW = "pre_trial_review", "Pre-trial review"
    TRIAL = "trial", "Trial"
    SENTENCE = "sentence", "Sentencing"
    CONFISCATION = "confiscation", "Confiscation (proceeds of crime)"


class DocumentKind(models.TextChoices):
    PSD = "psd", "Prosecution Strategy Document"
    DMD = "dmd", "Disclosure Management Document"
    MG3 = "mg3", "Charging decision (MG3)"
    REVIEW_NOTE = "review_note", "Review note"
    HEARING_RECORD_SHEET = "hrs", "Hearing record sheet"
    EXEMPTION = "exemption", "Formal exemption"
    OTHER = "other", "Other"


class ReviewKind(models.TextChoices):
    INITIAL = "initial", "Initial review"
    FULL_CODE_TEST = "full_code_test", "Full Code Test review"
    THRESHOLD_TEST = "threshold_test", "Threshold Test review"
    CASE_PROGRESSION = "case_progression", "Case progression review"
    MANAGER = "manager", "Manager review"
    PRE_TRIAL = "pre_trial", "Pre-trial review"


class CaseOutcome(models.TextChoices):
    CONVICTED_ALL = "convicted_all", "Convicted on all counts"
    CONVICTED_SOME = "convicted_some", "Convicted on some counts"
    ACQUITTED = "acquitted", "Acquitted"
    DISCONTINUED = "discontinued", "Discontinued"
    NO_FURTHER_ACTION = "nfa", "No further action"
    OTHER = "other", "Other"
