"""Correct the shipped assurance rules: each version 1 takes effect when the rule did (PSD and DMD
from 1 March 2013, CPS Disclosure Manual chapter 29) and names its source with a public address;
add the Full Code Test review after a Threshold Test charge; publish version 2 of the panel and
very high cost case rules, where a very high cost case is a trial estimate of MORE THAN 40 days."""

from django.db import migrations


def correct(apps, schema_editor):
    from casework.assurance.rule_library import LATER_VERSIONS, RULES

    AssuranceRule = apps.get_model("assurance", "AssuranceRule")
    for spec in RULES:
        AssuranceRule.objects.update_or_create(
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
    for code, version, effective_from, changes in LATER_VERSIONS:
        if AssuranceRule.objects.filter(code=code, version__gte=version).exists():
            continue  # an administrator has already published this version (or a later one)
        previous = AssuranceRule.objects.filter(code=code).order_by("-version").first()
        fields = {
            name: getattr(previous, name)
            for name in ("title", "statement", "source", "scope", "severity", "evaluator", "stages", "categories")
        }
        fields.update({key: value for key, value in changes.items() if key != "parameters"})
        AssuranceRule.objects.create(
            code=code,
            version=version,
            effective_from=effective_from,
            parameters=changes.get("parameters", previous.parameters),
            **fields,
        )
        previous.effective_to = effective_from
        previous.save(update_fields=["effective_to"])


class Migration(migrations.Migration):
    dependencies = [("assurance", "0002_rule_library")]
    operations = [migrations.RunPython(correct, migrations.RunPython.noop)]
