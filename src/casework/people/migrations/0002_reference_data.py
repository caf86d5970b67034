from django.db import migrations


def load(apps, schema_editor):
    from casework.people.choices import RoleCode
    from casework.people.reference import AREAS, FORCE_NAMES, GRADES, SOURCE, SPECIALISMS

    Unit = apps.get_model("people", "Unit")
    Area = apps.get_model("people", "Area")
    PoliceForce = apps.get_model("people", "PoliceForce")
    Grade = apps.get_model("people", "Grade")
    Specialism = apps.get_model("people", "Specialism")
    Role = apps.get_model("people", "Role")
    for code in RoleCode.values:
        Role.objects.get_or_create(code=code)
    for area_code, area_name, unit_code, unit_name, size, forces in AREAS:
        unit, _ = Unit.objects.get_or_create(code=unit_code, defaults={"name": unit_name, "size": size})
        area, _ = Area.objects.get_or_create(code=area_code, defaults={"name": area_name, "unit": unit})
        for force_code in forces:
            force, _ = PoliceForce.objects.get_or_create(code=force_code, defaults={"name": FORCE_NAMES[force_code]})
            force.areas.add(area)
    for code, name, band, seniority, is_legal, is_manager in GRADES:
        Grade.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "civil_service_band": band,
                "seniority": seniority,
                "is_legal": is_legal,
                "is_manager": is_manager,
                "source": SOURCE,
            },
        )
    for code, name in SPECIALISMS:
        Specialism.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
