"""Stored overview counts (workday.tallies): one row per unit and per caseworker, and the marks that
say a unit's or person's cases changed since."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OverviewSubject(models.Model):
    """Whose figures a row is about: a whole unit, or one person's own cases (exactly one of them)."""

    unit = models.OneToOneField("people.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=True, person__isnull=False)
                | models.Q(unit__isnull=False, person__isnull=True),
                name="%(app_label)s_%(class)s_one_subject",
            )
        ]

    @property
    def subject(self) -> str:
        return f"unit {self.unit_id}" if self.unit_id else f"person {self.person_id}"


class OverviewTally(OverviewSubject):
    """The counts of one subject's overview for one day: a whole unit (what its managers, its Area
    leadership and national readers see of it) or one caseworker's own cases.

    `counts` maps a figure's key to [items, cases] (cases is null where the figure does not say
    "on N cases"). `case_count` and `case_sum` (the number and the sum of the ids of the subject's
    cases) let a reader see, with one cheap query, that a case left the subject since (a move, a
    reallocation, a restriction), which no change mark of the subject records."""

    as_of = models.DateField(help_text="The day the counts are for (time alone changes them the next day).")
    computed_at = models.DateTimeField(help_text="When the counted rows were read.")
    definitions = models.CharField(max_length=64, help_text="Fingerprint of the figures' definitions.")
    case_count = models.PositiveIntegerField()
    case_sum = models.BigIntegerField()
    counts = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Overview counts of {self.subject} for {self.as_of} (read {self.computed_at:%H:%M:%S})"


class OverviewChange(OverviewSubject):
    """The last time a case of this unit or held by this person changed (written by the case-change
    listener in the writing transaction). A tally read before it is out of date."""

    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Cases of {self.subject} changed at {self.changed_at:%Y-%m-%d %H:%M:%S}"
