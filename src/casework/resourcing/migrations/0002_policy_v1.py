"""Version 1 of the REM policy (complexity weights, bands, points, grade targets), validated at load."""

import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from casework.resourcing.policy_data import POLICY_V1, POLICY_V1_SOURCE
    from casework.resourcing.rules import policy_from_data

    policy_from_data(POLICY_V1, version=1, source=POLICY_V1_SOURCE)  # refuse to load malformed policy
    ResourcingPolicy = apps.get_model("resourcing", "ResourcingPolicy")
    ResourcingPolicy.objects.get_or_create(
        version=1, defaults={"data": POLICY_V1, "source": POLICY_V1_SOURCE, "effective_from": dt.date(2026, 1, 1)}
    )


class Migration(migrations.Migration):
    dependencies = [("resourcing", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
