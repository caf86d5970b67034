"""The Django admin: administrators only, every reference-data and user change audited,
and no case content registered at all."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases.models import AcceptanceCriterion, Case, CaseDocument, Charge, Defendant, Hearing
from casework.people.choices import RoleCode
from casework.people.models import Role, Specialism, Unit, User
from tests.factories import make_user


def admin_client(client, personas):
    client.force_login(personas.admin)
    return client


def latest(action: str, subject_type: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action, subject_type=subject_type).order_by("-seq").first()


def change_data(obj, **overrides):
    """The admin change form's current values, with some replaced."""
    data = {field: getattr(obj, field) for field in ("code", "name")}
    data.update(overrides)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona",
    ["prosecutor_a", "paralegal_a", "manager_a", "unithead_a", "prosecutor_b", "area_leader_a", "hq", "inspector",
     "police_x", "police_y"],
)  # fmt: skip
def test_only_administrators_reach_the_admin(client, personas, persona):
    client.force_login(getattr(personas, persona))
    response = client.get("/admin/")
    if persona.startswith("police_"):  # police reach only the police portal: everything else is a 404
        assert response.status_code == 404
        assert client.get(reverse("admin:people_unit_changelist")).status_code == 404
        return
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get(reverse("admin:people_unit_changelist")).status_code == 302


@pytest.mark.django_db
def test_a_staff_flag_without_the_administrator_role_is_not_enough(client, personas):
    client.force_login(make_user("staff.only", RoleCode.PROSECUTOR, is_staff=True))
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_administrator_reaches_the_admin(client, personas):
    assert admin_client(client, personas).get("/admin/").status_code == 200


def test_case_content_is_not_in_the_admin():
    for model in (Case, Defendant, Charge, Hearing, CaseDocument):
        assert not admin.site.is_registered(model), model
    assert admin.site.is_registered(AcceptanceCriterion)
    assert admin.site.is_registered(Unit)


@pytest.mark.django_db
def test_changing_reference_data_writes_a_config_change_event(client, personas):
    unit = Unit.objects.get(code="ccu-wessex")
    data = {
        "code": unit.code,
        "name": "Wessex Complex Casework Unit",
        "size": "medium",
        "areas-TOTAL_FORMS": "0",
        "areas-INITIAL_FORMS": "0",
    }
    # The inline shows the unit's existing areas; submit them unchanged.
    areas = list(unit.areas.all())
    data["areas-TOTAL_FORMS"] = data["areas-INITIAL_FORMS"] = str(len(areas))
    for index, area in enumerate(areas):
        data.update({f"areas-{index}-id": area.pk, f"areas-{index}-unit": unit.pk,
                     f"areas-{index}-code": area.code, f"areas-{index}-name": area.name})  # fmt: skip
    response = admin_client(client, personas).post(reverse("admin:people_unit_change", args=[unit.pk]), data)
    assert response.status_code == 302, response.content[:2000]
    event = latest("config_change", "people.unit")
    assert event.actor_id == personas.admin.pk
    assert event.changes_dict == {
        "name": ["Wessex CCU", "Wessex Complex Casework Unit"],
        "size": ["small", "medium"],
    }


@pytest.mark.django_db
def test_adding_and_deleting_reference_data_is_audited(client, personas):
    c = admin_client(client, personas)
    response = c.post(reverse("admin:people_specialism_add"), {"code": "cyber", "name": "Cyber-enabled crime"})
    assert response.status_code == 302
    specialism = Specialism.objects.get(code="cyber")
    added = latest("config_change", "people.specialism")
    assert added.subject_id == str(specialism.pk)
    assert added.changes_dict["name"] == [None, "Cyber-enabled crime"]
    response = c.post(reverse("admin:people_specialism_delete", args=[specialism.pk]), {"post": "yes"})
    assert response.status_code == 302
    deleted = latest("config_change", "people.specialism")
    assert deleted.seq > added.seq
    assert deleted.changes_dict == {"record": ["Cyber-enabled crime", None]}


@pytest.mark.django_db
def test_acceptance_criteria_changes_are_audited(client, personas):
    criterion = AcceptanceCriterion.objects.get(code="mla")
    data = {"code": criterion.code, "title": criterion.title, "source": criterion.source}  # is_active unticked
    response = admin_client(client, personas).post(
        reverse("admin:cases_acceptancecriterion_change", args=[criterion.pk]), data
    )
    assert response.status_code == 302
    assert latest("config_change", "cases.acceptancecriterion").changes_dict == {"is_active": [True, False]}


def user_form(user: User, **overrides):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "roles": [r.pk for r in user.roles.all()],
        "unit": user.unit_id or "",
        "area": user.area_id or "",
        "police_force": user.police_force_id or "",
        "grade": user.grade_id or "",
        "team": user.team_id or "",
        "line_manager": user.line_manager_id or "",
        "specialisms": [s.pk for s in user.specialisms.all()],
        "fte": str(user.fte),
        "contracted_hours": str(user.contracted_hours),
        "working_pattern": user.working_pattern,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "absences-TOTAL_FORMS": "0",
        "absences-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.django_db
def test_granting_a_role_is_a_permission_change(client, personas):
    paralegal = personas.paralegal_a
    roles = [Role.objects.get(code=RoleCode.PARALEGAL).pk, Role.objects.get(code=RoleCode.PROSECUTOR).pk]
    response = admin_client(client, personas).post(
        reverse("admin:people_user_change", args=[paralegal.pk]), user_form(paralegal, roles=roles)
    )
    assert response.status_code == 302, response.content[:3000]
    event = latest("permission_change", "people.user")
    assert event.subject_id == str(paralegal.pk)
    assert event.changes_dict == {"roles": [["Paralegal officer"], ["Paralegal officer", "Prosecutor"]]}
    assert set(User.objects.get(pk=paralegal.pk).role_codes) == {RoleCode.PARALEGAL, RoleCode.PROSECUTOR}


@pytest.mark.django_db
def test_changing_hours_and_adding_leave_is_an_alteration(client, personas):
    prosecutor = personas.prosecutor_a
    data = user_form(
        prosecutor,
        fte="0.80",
        contracted_hours="29.60",
        working_pattern="part_time",
        **{
            "absences-TOTAL_FORMS": "1",
            "absences-0-kind": "training",
            "absences-0-starts_on": "2026-05-01",
            "absences-0-ends_on": "2026-05-02",
            "absences-0-reason": "Disclosure training",
        },
    )
    response = admin_client(client, personas).post(reverse("admin:people_user_change", args=[prosecutor.pk]), data)
    assert response.status_code == 302, response.content[:3000]
    event = latest("alter", "people.user")
    assert event.changes_dict["fte"] == ["1.00", "0.80"]
    assert event.changes_dict["working_pattern"] == ["full_time", "part_time"]
    assert len(event.changes_dict["absences"][1]) == 1
    assert not AuditEvent.objects.filter(action="permission_change", subject_id=str(prosecutor.pk)).exists()


@pytest.mark.django_db
def test_setting_a_password_is_audited_without_the_password(client, personas):
    new_password = "another-long-passphrase-42"
    response = admin_client(client, personas).post(
        reverse("admin:auth_user_password_change", args=[personas.police_x.pk]),
        {"password1": new_password, "password2": new_password, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    event = latest("permission_change", "people.user")
    assert event.subject_id == str(personas.police_x.pk)
    assert new_password not in event.changes
    assert User.objects.get(pk=personas.police_x.pk).check_password(new_password)


@pytest.mark.django_db
def test_deleting_a_user_is_an_erasure_without_content(client, personas):
    leaver = make_user("leaver.a", RoleCode.PARALEGAL, unit=personas.unit_a)
    response = admin_client(client, personas).post(
        reverse("admin:people_user_delete", args=[leaver.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    event = latest("erase", "people.user")
    assert event.subject_id == str(leaver.pk)
    assert event.changes == ""
