"""The two IQA rules in the assurance rule table (version 1), naming evaluators in quality/assurance.py."""

import datetime as dt

from django.db import migrations

OPEN_STAGES = ["pre_charge", "charging_decision", "charged", "ptph", "trial_preparation", "trial", "sentence"]
ALL_STAGES = [*OPEN_STAGES, "finalised", "discontinued", "nfa"]
RULES = [
    {
        "code": "iqa.quota",
        "title": "Prosecutor received their quarterly IQA quota",
        "statement": "Each prosecutor has received their quarterly Individual Quality Assessment quota (default 2 "
        "per quarter, pro rata by FTE and reduced for long absence); checked for the case's allocated prosecutor "
        "over the last complete quarter.",
        "source": "HMCPSI CCU inspection (2021) recommendation 1; quota: local policy (configurable default)",
        "scope": "both",
        "severity": "medium",
        "evaluator": "iqa_quota",
        "stages": OPEN_STAGES,
        "parameters": {},
    },
    {
        "code": "iqa.feedback_timely",
        "title": "IQA feedback given within 14 days",
        "statement": "Feedback on a quality assessment is given to the prosecutor within 14 days of submission.",
        "source": "HMCPSI IQA findings (2018, 2025); period: local policy (configurable default)",
        "scope": "both",
        "severity": "low",
        "evaluator": "iqa_feedback_timely",
        "stages": ALL_STAGES,
        "parameters": {"days": 14},
    },
]


def load(apps, schema_editor):
    AssuranceRule = apps.get_model("assurance", "AssuranceRule")
    for spec in RULES:
        AssuranceRule.objects.get_or_create(
            code=spec["code"],
            version=1,
            defaults={
                **{k: v for k, v in spec.items() if k != "code"},
                "categories": [],
                "effective_from": dt.date(2026, 1, 1),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("quality", "0002_default_question_set"), ("assurance", "0002_rule_library")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
