from django.db import migrations


def load(apps, schema_editor):
    from django.utils import timezone

    from casework.core.bank_holidays import PACKAGE_SOURCE, from_package

    # The rule rows are loaded (and later corrected) by 0005_correct_rule_tables, from the table
    # as it now stands: loading today's rows here would not fit this migration's schema.
    NonWorkingDay = apps.get_model("progression", "NonWorkingDay")
    now = timezone.now()
    for day, name in sorted(from_package(2015, 2035).items()):
        NonWorkingDay.objects.get_or_create(
            date=day, defaults={"name": name, "source": PACKAGE_SOURCE, "refreshed_at": now}
        )


class Migration(migrations.Migration):
    dependencies = [("progression", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
