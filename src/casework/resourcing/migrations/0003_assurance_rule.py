"""The REM currency rule in the assurance rule table (version 1), naming resourcing/assurance.py's evaluator."""

import datetime as dt

from django.db import migrations

OPEN_STAGES = ["pre_charge", "charging_decision", "charged", "ptph", "trial_preparation", "trial", "sentence"]


def load(apps, schema_editor):
    AssuranceRule = apps.get_model("assurance", "AssuranceRule")
    AssuranceRule.objects.get_or_create(
        code="rem.record_current",
        version=1,
        defaults={
            "title": "REM record complete and current",
            "statement": "Every open case has a Resource and Efficiency Model record that is complete (lead lawyer, "
            "estimated hours for the current stage, pages of evidence, counsel instructed or not) and was updated "
            "within 14 days of the last stage change.",
            "source": "HMCPSI CCU inspection (2021) recommendation 1; period: local policy (configurable default 14)",
            "scope": "both",
            "severity": "medium",
            "evaluator": "rem_record_current",
            "stages": OPEN_STAGES,
            "categories": [],
            "parameters": {"days": 14},
            "effective_from": dt.date(2026, 1, 1),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("resourcing", "0002_policy_v1"), ("assurance", "0002_rule_library")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
