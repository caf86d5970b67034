"""Assisted suicide is not a CCU acceptance criterion (it is decided nationally by SCCTD): the
mercy killing criterion is renamed, and every criterion's source gains its public address."""

from django.db import migrations


def correct(apps, schema_editor):
    from casework.cases.reference import ACCEPTANCE_CRITERIA, SOURCE

    AcceptanceCriterion = apps.get_model("cases", "AcceptanceCriterion")
    titles = dict(ACCEPTANCE_CRITERIA)
    for row in AcceptanceCriterion.objects.filter(code__in=list(titles)):
        row.title = titles[row.code]
        row.source = SOURCE[:250]
        row.save(update_fields=["title", "source"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_defendant_first_custody_date")]
    operations = [migrations.RunPython(correct, migrations.RunPython.noop)]
