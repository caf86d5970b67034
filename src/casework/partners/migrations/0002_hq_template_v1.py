"""Load the HQ model MoU template version 1 (policy as data; later versions are published in the app)."""

import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from casework.partners.templates_data import template_v1

    MouTemplate = apps.get_model("partners", "MouTemplate")
    data = template_v1()
    MouTemplate.objects.get_or_create(
        number=data["number"],
        defaults={
            "title": data["title"],
            "status": "published",
            "effective_from": dt.date.fromisoformat(data["effective_from"]),
            "source": data["source"],
            "change_note": "First version of the HQ model memorandum.",
            "content": {"sections": data["sections"], "parameters": data["parameters"], "ladder": data["ladder"]},
        },
    )


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
