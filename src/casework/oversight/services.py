"""Writes for oversight: drawing an inspection sample, recording answers, and refreshing the
dashboard's compliance tallies. Each writes its audit event in the same transaction."""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases.models import Case
from casework.core import clock
from casework.core.errors import NotFound, ValidationFailed
from casework.oversight import rules
from casework.oversight.choices import Answer
from casework.oversight.models import (
    ComplianceTally,
    ExaminationQuestionSet,
    FileAnswer,
    InspectionSample,
    SampledFile,
    TallyRefresh,
)
from casework.oversight.scope import resolve_scope
from casework.oversight.tallies import live_counts
from casework.people.choices import RoleCode
from casework.people.models import Unit, User

MAX_PER_UNIT = 200
DEFAULT_QUESTION_SET = "file-examination"


def _require_inspector(actor: User) -> None:
    if RoleCode.INSPECTOR not in actor.role_codes:
        raise NotFound("Page not found.")


UNITS_OUT_OF_SCOPE = "Select only units in your inspection scope"


def sample_units(actor: User) -> Any:
    """The units an inspector may sample: those of their oversight scope (an inspector's is national)."""
    return Unit.objects.filter(pk__in=resolve_scope(user=actor).unit_ids).order_by("name")


def sample_candidates(*, actor: User, unit_ids: list[int] | None = None) -> list[rules.Candidate]:
    """Every case the inspector can read, with its unit and case type (principal offence category,
    else acceptance criterion), read as three columns."""
    cases = Case.objects.visible_to(actor)
    if unit_ids:
        cases = cases.filter(unit_id__in=unit_ids)
    rows = cases.annotate(
        stratum=Coalesce(F("principal_offence_category__code"), F("acceptance_criterion__code"), Value("unspecified"))
    ).values_list("unit_id", "stratum", "pk")
    return [rules.Candidate(unit_id, stratum, case_id) for unit_id, stratum, case_id in rows]


@transaction.atomic
def sample_draw(
    *, actor: User, title: str, seed: str, per_unit: int, unit_ids: list[int] | None = None
) -> InspectionSample:
    _require_inspector(actor)
    if not title.strip() or not seed.strip():
        raise ValidationFailed("Give the sample a title and a seed.")
    if not 1 <= per_unit <= MAX_PER_UNIT:
        raise ValidationFailed(f"Files per unit must be between 1 and {MAX_PER_UNIT}.")
    if unit_ids and not set(unit_ids) <= set(sample_units(actor).values_list("pk", flat=True)):
        # None chosen is every unit in scope; a unit outside it is refused, never silently dropped.
        raise ValidationFailed(UNITS_OUT_OF_SCOPE, field_errors={"units": [UNITS_OUT_OF_SCOPE]})
    question_set = ExaminationQuestionSet.objects.filter(code=DEFAULT_QUESTION_SET).order_by("-version").first()
    if question_set is None:
        raise ValidationFailed("No file-examination question set is published.")
    chosen = rules.draw_sample(sample_candidates(actor=actor, unit_ids=unit_ids), seed=seed, per_unit=per_unit)
    sample = InspectionSample.objects.create(
        title=title.strip(),
        seed=seed.strip(),
        per_unit=per_unit,
        question_set=question_set,
        created_by=actor,
        created_at=clock.now(),
    )
    SampledFile.objects.bulk_create(
        SampledFile(sample=sample, case_id=c.case_id, unit_id=c.unit_id, stratum=c.stratum[:60], position=i)
        for i, c in enumerate(chosen, start=1)
    )
    audit.record(
        actor=actor,
        action=Action.COMBINE,
        subject=sample,
        changes={"files": [None, len(chosen)], "seed": [None, sample.seed], "per_unit": [None, per_unit]},
    )
    return sample


@transaction.atomic
def answers_record(*, actor: User, sampled_file: SampledFile, answers: dict[str, tuple[str, str]]) -> int:
    """Record or change the answers to some questions for one sampled file: {code: (answer, note)}."""
    if not InspectionSample.objects.visible_to(actor).filter(pk=sampled_file.sample_id).exists():
        raise NotFound("Page not found.")
    known = {q["code"] for q in sampled_file.sample.question_set.questions}
    unknown = set(answers) - known
    bad = {code for code, (answer, _) in answers.items() if answer not in Answer.values}
    if unknown or bad:
        raise ValidationFailed("Choose an answer from the scale for each question.")
    existing = {a.question_code: a for a in sampled_file.answers.all()}
    changes: dict[str, list[Any]] = {}
    now = clock.now()
    for code, (answer, note) in sorted(answers.items()):
        before = existing.get(code)
        if before and (before.answer, before.note) == (answer, note):
            continue
        changes[code] = [before.answer if before else None, answer]
        FileAnswer.objects.update_or_create(
            sampled_file=sampled_file,
            question_code=code,
            defaults={"answer": answer, "note": note, "answered_by": actor, "answered_at": now},
        )
    if changes:
        audit.record(
            actor=actor,
            action=Action.ALTER if existing else Action.COLLECT,
            subject=sampled_file,
            case_id=sampled_file.case_id,
            changes=changes,
        )
    return len(changes)


#: Refreshes kept (the newest is read; a few older ones stay for comparison, the rest are pruned).
TALLY_REFRESHES_KEPT = 3


def refresh_compliance_tallies(*, actor: User | None) -> TallyRefresh:
    """Recompute every unit's dashboard counts over all cases (oversight.tallies.live_counts: grouped
    SQL aggregates) and store them as one new refresh. `actor` is the person who asked, or None for
    the scheduled run. Each case counts in the unit it is in now, so unit moves show at the next
    refresh.

    The aggregates run before the write transaction opens: SQLite transactions here are IMMEDIATE
    (they take the write lock at BEGIN), and holding it for the seconds the aggregates take would
    make every other writer wait. Each aggregate sees the register as at its own start."""
    now = clock.now()
    started = time.perf_counter()
    counts = live_counts(cases=Case.objects.all(), unit_ids=None, today=clock.local(now).date(), now=now)
    return _store_tallies(actor=actor, as_of=now, counts=counts, seconds=round(time.perf_counter() - started, 3))


@transaction.atomic
def _store_tallies(*, actor: User | None, as_of: Any, counts: list[Any], seconds: float) -> TallyRefresh:
    """Write one refresh and its rows, prune old refreshes, and record the one audit event: the rows
    are aggregates of no single case, so they are not audited one by one."""
    refresh = TallyRefresh.objects.create(as_of=as_of, refreshed_by=actor, rows=len(counts), seconds=seconds)
    ComplianceTally.objects.bulk_create(
        (
            ComplianceTally(refresh=refresh, unit_id=unit_id, metric=metric, key=key, value=value)
            for unit_id, metric, key, value in counts
        ),
        batch_size=2000,
    )
    old = TallyRefresh.objects.order_by("-as_of", "-pk").values_list("pk", flat=True)[TALLY_REFRESHES_KEPT:]
    pruned, _ = TallyRefresh.objects.filter(pk__in=list(old)).delete()
    audit.record(
        actor=actor,
        action=Action.COMBINE,
        subject=refresh,
        changes={"rows": [None, len(counts)], "seconds": [None, seconds], "pruned_rows": [None, pruned]},
    )
    return refresh
