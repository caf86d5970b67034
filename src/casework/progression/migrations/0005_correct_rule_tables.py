"""Correct the shipped time-limit rules: each row's effective date is when that rule took effect
and its source names the instrument, paragraph and a public address; the Crown Court extension
notice depends on the court; the temporary coronavirus limits turn on the date of first custody;
the sweep's task periods are rows too. Rows are matched by code; past verdicts keep their text."""

from django.db import migrations


def correct(apps, schema_editor):
    from casework.progression.rule_tables import FIRST_SHIPPED_FROM, RULES, WITHDRAWN

    TimeLimitRule = apps.get_model("progression", "TimeLimitRule")
    for code, custody, effective_from in WITHDRAWN:
        rows = TimeLimitRule.objects.filter(code=code, custody=custody)
        if effective_from is not None:
            rows = rows.filter(effective_from=effective_from)
        rows.delete()
    for row in RULES:
        if row.keyed_on == "regime_start":
            # The original row of each rule carried the 1987 commencement date: re-date it.
            TimeLimitRule.objects.filter(code=row.code, custody=row.custody, effective_from=FIRST_SHIPPED_FROM).exclude(
                effective_from=row.effective_from
            ).update(effective_from=row.effective_from)
        TimeLimitRule.objects.update_or_create(
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
                "keyed_on": row.keyed_on,
                "min_age_at_first_custody": row.min_age_at_first_custody,
                "source": row.source,
                "notes": row.notes,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("progression", "0004_ctl_rules_first_custody_and_failures")]
    operations = [migrations.RunPython(correct, migrations.RunPython.noop)]
