"""Version 1 of the default IQA question set and the default quota policy (local policy)."""

import datetime as dt

from django.db import migrations
from django.utils import timezone


def load(apps, schema_editor):
    from casework.quality.choices import DEFAULT_SCALE, NO_COMMENT_NEEDED
    from casework.quality.question_sets import DEFAULT_SET, validate

    validate(DEFAULT_SET)
    QuestionSet = apps.get_model("quality", "QuestionSet")
    Section = apps.get_model("quality", "Section")
    Question = apps.get_model("quality", "Question")
    QuotaPolicy = apps.get_model("quality", "QuotaPolicy")
    if not QuestionSet.objects.filter(code=DEFAULT_SET["code"], version=1).exists():
        qs = QuestionSet.objects.create(
            code=DEFAULT_SET["code"],
            version=1,
            title=DEFAULT_SET["title"],
            source=DEFAULT_SET["source"],
            effective_from=dt.date.fromisoformat(DEFAULT_SET["effective_from"]),
            published_at=timezone.now(),
            change_note="Default set: four casework quality standards and a dedicated disclosure section.",
        )
        for s_order, section in enumerate(DEFAULT_SET["sections"], start=1):
            sec = Section.objects.create(
                question_set=qs,
                code=section["code"],
                title=section["title"],
                standard=section["standard"],
                order=s_order,
            )
            for q_order, q in enumerate(section["questions"], start=1):
                Question.objects.create(
                    section=sec,
                    code=q["code"],
                    text=q["text"],
                    guidance=q["guidance"],
                    scale=list(DEFAULT_SCALE),
                    comment_not_needed_for=list(NO_COMMENT_NEEDED),
                    kinds=q["kinds"],
                    stages=q["stages"],
                    order=q_order,
                )
    QuotaPolicy.objects.get_or_create(version=1, defaults={"effective_from": dt.date(2013, 1, 1)})


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
