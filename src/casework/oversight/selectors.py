"""Reads for inspection: samples an inspector may see, their files and the aggregated results."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, QuerySet

from casework.core.errors import NotFound
from casework.oversight import rules
from casework.oversight.models import FileAnswer, InspectionSample, SampledFile


def samples_for(user: Any) -> QuerySet[InspectionSample]:
    return InspectionSample.objects.visible_to(user).select_related("question_set").annotate(n_files=Count("files"))


def sample_visible(*, user: Any, sample_id: int) -> InspectionSample:
    sample = InspectionSample.objects.visible_to(user).select_related("question_set").filter(pk=sample_id).first()
    if sample is None:
        raise NotFound("Sample not found.")
    return sample


def sampled_file_visible(*, user: Any, sample_id: int, file_id: int) -> SampledFile:
    sample = sample_visible(user=user, sample_id=sample_id)
    found = SampledFile.objects.select_related("case", "unit", "sample__question_set").filter(sample=sample, pk=file_id)
    sampled = found.first()
    if sampled is None:
        raise NotFound("File not found.")
    return sampled


def sample_files(sample: InspectionSample) -> QuerySet[SampledFile]:
    return (
        sample.files.select_related("case", "unit")
        .annotate(n_answers=Count("answers"))
        .order_by("unit__name", "position")
    )


def results(sample: InspectionSample) -> dict[str, Any]:
    """Answer counts and percentages per (unit, question) and per question overall: one grouped query."""
    rows = (
        FileAnswer.objects.filter(sampled_file__sample=sample)
        .values("sampled_file__unit__name", "question_code", "answer")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_unit: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    overall: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        per_unit[(row["sampled_file__unit__name"], row["question_code"])][row["answer"]] += row["n"]
        overall[row["question_code"]][row["answer"]] += row["n"]
    questions = sample.question_set.questions

    def line(counts: dict[str, int]) -> dict[str, Any]:
        return {"counts": dict(counts), "na": counts.get("na", 0), **rules.answer_percentages(counts)}

    units = sorted({unit for unit, _ in per_unit})
    return {
        "questions": [{**q, **line(overall.get(q["code"], {}))} for q in questions],
        "units": [
            {"unit": unit, "rows": [{**q, **line(per_unit.get((unit, q["code"]), {}))} for q in questions]}
            for unit in units
        ],
    }
