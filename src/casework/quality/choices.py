from django.db import models


class Answer(models.TextChoices):
    FULLY_MET = "fully_met", "Fully met"
    PARTIALLY_MET = "partially_met", "Partially met"
    NOT_MET = "not_met", "Not met"
    NOT_APPLICABLE = "na", "Not applicable"


#: The default answer scale; a question may carry its own (configurable per question).
DEFAULT_SCALE: tuple[str, ...] = tuple(Answer.values)
#: Answers that need no comment: anything else must be explained to the prosecutor.
NO_COMMENT_NEEDED: tuple[str, ...] = (Answer.FULLY_MET, Answer.NOT_APPLICABLE)


class AssessmentKind(models.TextChoices):
    CASEWORK = "casework", "Casework"
    ADVOCACY = "advocacy", "Advocacy"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    FEEDBACK_GIVEN = "feedback_given", "Feedback given"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CLOSED = "closed", "Closed"


#: Statuses in which an assessment counts towards the prosecutor's quota.
COUNTED_STATUSES = frozenset(
    {
        AssessmentStatus.SUBMITTED,
        AssessmentStatus.FEEDBACK_GIVEN,
        AssessmentStatus.ACKNOWLEDGED,
        AssessmentStatus.CLOSED,
    }
)


class SampleItemStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    SWAPPED_OUT = "swapped_out", "Swapped out"
    ASSESSED = "assessed", "Assessment started"


class ModerationStatus(models.TextChoices):
    PENDING = "pending", "Awaiting second marking"
    COMPLETED = "completed", "Second marked"
    RESOLVED = "resolved", "Disagreement resolved"


class ResolutionOutcome(models.TextChoices):
    FIRST_MARK_STANDS = "first_mark_stands", "The first marking stands"
    SECOND_MARK_STANDS = "second_mark_stands", "The second marking stands"
    AGREED_REVISION = "agreed_revision", "A revised marking was agreed"
