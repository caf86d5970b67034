from django.db import migrations


def load(apps, schema_editor):
    from django.utils import timezone

    from casework.progression.holiday_source import PACKAGE_SOURCE, from_package
    from casework.progression.rule_tables import RULES

    TimeLimitRule = apps.get_model("progression", "TimeLimitRule")
    NonWorkingDay = apps.get_model("progression", "NonWorkingDay")
    for row in RULES:
        TimeLimitRule.objects.get_or_create(
            code=row.code,
            custody=row.custody,
            effective_from=row.effective_from,
            defaults={
                "title": row.title,
                "kind": row.kind,
                "days": row.days,
                "effective_to": row.effective_to,
                "anchor": row.anchor,
                "working_days": row.working_days,
                "reduced_days": row.reduced_days,
                "reduced_if_decided_within_days": row.reduced_if_decided_within_days,
                "source": row.source,
                "notes": row.notes,
            },
        )
    now = timezone.now()
    for day, name in sorted(from_package(2015, 2035).items()):
        NonWorkingDay.objects.get_or_create(
            date=day, defaults={"name": name, "source": PACKAGE_SOURCE, "refreshed_at": now}
        )


class Migration(migrations.Migration):
    dependencies = [("progression", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
