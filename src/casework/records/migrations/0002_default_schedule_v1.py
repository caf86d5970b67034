"""The default retention schedule, version 1 (every row marked local policy): records/policy_data.py."""

from django.db import migrations


def load(apps, schema_editor):
    from casework.records.policy_data import DEFAULT_SCHEDULE, EFFECTIVE_FROM

    RetentionRule = apps.get_model("records", "RetentionRule")
    for code, record_type, outcome, months, trigger, action, source, explanation in DEFAULT_SCHEDULE:
        RetentionRule.objects.get_or_create(
            code=code,
            version=1,
            defaults={
                "record_type": record_type,
                "outcome": outcome,
                "period_months": months,
                "trigger": trigger,
                "action": action,
                "source": source,
                "is_local_policy": source.startswith("Local policy"),
                "explanation": explanation,
                "effective_from": EFFECTIVE_FROM,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("records", "0001_retention_schedule_holds_and_disposal_log")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
