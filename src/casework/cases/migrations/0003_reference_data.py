from django.db import migrations


def load(apps, schema_editor):
    from casework.cases.reference import ACCEPTANCE_CRITERIA, OFFENCE_CATEGORIES, SOURCE

    AcceptanceCriterion = apps.get_model("cases", "AcceptanceCriterion")
    OffenceCategory = apps.get_model("cases", "OffenceCategory")
    for code, title in ACCEPTANCE_CRITERIA:
        AcceptanceCriterion.objects.get_or_create(code=code, defaults={"title": title, "source": SOURCE})
    for code, name in OFFENCE_CATEGORIES:
        OffenceCategory.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
