"""The national working-day calendar moves to casework.core: copy the bank holidays across, mark
the years the table holds in full, and drop progression's copy."""

from django.db import migrations


def copy_to_core(apps, schema_editor):
    from casework.core.bank_holidays import complete_years

    Old = apps.get_model("progression", "NonWorkingDay")
    New = apps.get_model("core", "NonWorkingDay")
    Year = apps.get_model("core", "BankHolidayYear")
    rows = list(Old.objects.order_by("date"))
    for row in rows:
        New.objects.get_or_create(
            date=row.date, defaults={"name": row.name, "source": row.source, "refreshed_at": row.refreshed_at}
        )
    days = {row.date: row.name for row in rows}
    sources = {row.date.year: (row.source, row.refreshed_at) for row in rows}
    for year in complete_years(days):
        source, loaded_at = sources[year]
        Year.objects.get_or_create(year=year, defaults={"source": source, "loaded_at": loaded_at})


def copy_back(apps, schema_editor):
    Old = apps.get_model("progression", "NonWorkingDay")
    New = apps.get_model("core", "NonWorkingDay")
    for row in New.objects.order_by("date"):
        Old.objects.get_or_create(
            date=row.date, defaults={"name": row.name, "source": row.source, "refreshed_at": row.refreshed_at}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("progression", "0002_rule_tables_and_calendar"),
        ("core", "0002_national_working_day_calendar"),
    ]
    operations = [
        migrations.RunPython(copy_to_core, copy_back),
        migrations.DeleteModel(name="NonWorkingDay"),
    ]
