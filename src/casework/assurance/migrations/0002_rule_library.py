from django.db import migrations


def load(apps, schema_editor):
    from casework.assurance.rule_library import CHECKPOINTS, RULES, SINCE

    AssuranceRule = apps.get_model("assurance", "AssuranceRule")
    Checkpoint = apps.get_model("assurance", "Checkpoint")
    for spec in RULES:
        AssuranceRule.objects.get_or_create(
            code=spec.code,
            version=1,
            defaults={
                "title": spec.title,
                "statement": spec.statement,
                "source": spec.source,
                "scope": spec.scope,
                "severity": spec.severity,
                "evaluator": spec.evaluator,
                "stages": list(spec.stages),
                "categories": list(spec.categories),
                "parameters": spec.parameters,
                "effective_from": spec.effective_from,
            },
        )
    for spec in CHECKPOINTS:
        Checkpoint.objects.get_or_create(
            code=spec.code,
            version=1,
            defaults={
                "title": spec.title,
                "trigger_stage": spec.trigger_stage,
                "categories": list(spec.categories),
                "approver_roles": list(spec.approver_roles),
                "blocking": spec.blocking,
                "source": spec.source,
                "effective_from": SINCE,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("assurance", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
