"""Load version 1 of the file-examination question set (policy as data)."""

import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from casework.oversight.question_sets import FILE_EXAMINATION

    QuestionSet = apps.get_model("oversight", "ExaminationQuestionSet")
    QuestionSet.objects.get_or_create(
        code=FILE_EXAMINATION["code"],
        version=FILE_EXAMINATION["version"],
        defaults={
            "title": FILE_EXAMINATION["title"],
            "source": FILE_EXAMINATION["source"],
            "effective_from": dt.date.fromisoformat(FILE_EXAMINATION["effective_from"]),
            "questions": FILE_EXAMINATION["questions"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
