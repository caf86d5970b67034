from django.db import models


class Answer(models.TextChoices):
    """The inspectorate's file-examination scale."""

    FULLY = "fully", "Fully met"
    PARTIALLY = "partially", "Partially met"
    NOT_MET = "not_met", "Not met"
    NOT_APPLICABLE = "na", "Not applicable"
