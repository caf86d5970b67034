"""Two-person control: a role that widens access to case data needs a second administrator.

The red team's administrator gave themselves the inspector role and read every case. Now the role
becomes a pending request; only another administrator (not the requester, not the person who
would hold it) can approve it; both steps are audited.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.core.errors import PermissionDenied, TransitionRefused
from casework.identity import role_grants
from casework.people.choices import RoleCode
from casework.people.models import Role, RoleGrant, User
from tests.factories import make_user
from tests.identity.test_people_admin import user_form


@pytest.fixture
def second_admin(personas) -> User:
    return make_user("admin.two", RoleCode.ADMINISTRATOR, is_staff=True, is_superuser=True)


def _ask_in_admin(client, personas, user: User, *codes: str):
    roles = [Role.objects.get(code=code).pk for code in {*user.role_codes, *codes}]
    client.force_login(personas.admin)
    return client.post(reverse("admin:people_user_change", args=[user.pk]), user_form(user, roles=roles))


@pytest.mark.django_db
def test_an_administrator_cannot_give_themselves_the_inspector_role(client, personas, case_b):
    response = _ask_in_admin(client, personas, personas.admin, RoleCode.INSPECTOR)
    assert response.status_code == 302, response.content[:2000]
    admin_user = User.objects.get(pk=personas.admin.pk)
    assert RoleCode.INSPECTOR not in admin_user.role_codes
    assert not Case.objects.visible_to(admin_user).exists()
    grant = RoleGrant.objects.get(user=admin_user)
    assert (grant.role.code, grant.status, grant.requested_by_id) == ("inspector", "pending", admin_user.pk)
    requested = AuditEvent.objects.filter(action="permission_change", subject_id=str(admin_user.pk)).latest("seq")
    assert "role_requested" in requested.changes_dict
    with pytest.raises(PermissionDenied):
        role_grants.role_grant_decide(actor=admin_user, grant_id=grant.pk, approve=True)
    assert RoleCode.INSPECTOR not in User.objects.get(pk=admin_user.pk).role_codes


@pytest.mark.django_db
def test_a_second_administrator_approves_and_both_steps_are_audited(client, personas, second_admin):
    prosecutor = personas.prosecutor_a
    _ask_in_admin(client, personas, prosecutor, RoleCode.LEGAL_MANAGER)
    assert RoleCode.LEGAL_MANAGER not in User.objects.get(pk=prosecutor.pk).role_codes
    grant = RoleGrant.objects.get(user=prosecutor)
    client.force_login(second_admin)
    response = client.post(
        reverse("admin:people_rolegrant_changelist"), {"action": "approve", "_selected_action": [grant.pk]}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.status, grant.decided_by_id) == ("approved", second_admin.pk)
    assert RoleCode.LEGAL_MANAGER in User.objects.get(pk=prosecutor.pk).role_codes
    events = AuditEvent.objects.filter(action="permission_change", subject_id=str(prosecutor.pk)).order_by("seq")
    assert [e.actor_id for e in events] == [personas.admin.pk, second_admin.pk]
    assert events.last().changes_dict["roles"] == [["Prosecutor"], ["Legal manager", "Prosecutor"]]
    with pytest.raises(TransitionRefused):
        role_grants.role_grant_decide(actor=second_admin, grant_id=grant.pk, approve=False)


@pytest.mark.django_db
def test_the_person_receiving_the_role_cannot_approve_it(personas, second_admin):
    grant = role_grants.role_grant_request(actor=personas.admin, user=second_admin, code=RoleCode.HQ_ANALYST)
    with pytest.raises(PermissionDenied):
        role_grants.role_grant_decide(actor=second_admin, grant_id=grant.pk, approve=True)
    with pytest.raises(PermissionDenied):
        role_grants.role_grant_decide(actor=personas.admin, grant_id=grant.pk, approve=True)
    assert RoleCode.HQ_ANALYST not in User.objects.get(pk=second_admin.pk).role_codes


@pytest.mark.django_db
def test_refusal_gives_nothing(personas, second_admin):
    grant = role_grants.role_grant_request(actor=personas.admin, user=personas.prosecutor_a, code=RoleCode.UNIT_HEAD)
    role_grants.role_grant_decide(actor=second_admin, grant_id=grant.pk, approve=False)
    assert RoleCode.UNIT_HEAD not in User.objects.get(pk=personas.prosecutor_a.pk).role_codes


@pytest.mark.django_db
def test_only_administrators_ask_or_decide(personas):
    with pytest.raises(PermissionDenied):
        role_grants.role_grant_request(actor=personas.manager_a, user=personas.manager_a, code=RoleCode.INSPECTOR)


@pytest.mark.django_db
def test_caseworker_roles_need_no_second_person(client, personas):
    """A prosecutor sees only cases a manager allocates: one administrator may grant it."""
    response = _ask_in_admin(client, personas, personas.paralegal_a, RoleCode.PROSECUTOR)
    assert response.status_code == 302
    assert RoleCode.PROSECUTOR in User.objects.get(pk=personas.paralegal_a.pk).role_codes
    assert not RoleGrant.objects.exists()


def test_widening_roles_are_the_ones_that_open_case_data_or_administration():
    assert role_grants.needs_second_person(list(RoleCode)) == {
        RoleCode.LEGAL_MANAGER,
        RoleCode.UNIT_HEAD,
        RoleCode.AREA_LEADERSHIP,
        RoleCode.HQ_ANALYST,
        RoleCode.INSPECTOR,
        RoleCode.ADMINISTRATOR,
        RoleCode.RECORDS_OFFICER,  # opens restricted records of a unit
    }


# --- the admin holds no case content ---------------------------------------------------------------


def _reaches_case_content(model, seen=None) -> bool:
    """Whether `model` is, or points at, a record of a case or a police referral."""
    from casework.partners.models import Referral

    seen = seen or set()
    if model in {Case, Referral} or model in seen:
        return model in {Case, Referral}
    seen.add(model)
    return any(
        field.is_relation and field.many_to_one and _reaches_case_content(field.related_model, seen)
        for field in model._meta.get_fields()
        if field.related_model is not None and field.related_model is not model
    )


def test_no_admin_page_holds_case_content():
    offending = [model._meta.label for model in admin.site._registry if _reaches_case_content(model)]
    assert offending == []


@pytest.mark.django_db
def test_task_list_shows_no_task_arguments_or_results(client, personas):
    from casework.imports.tasks import import_check_task

    result = import_check_task.enqueue(987654)
    client.force_login(personas.admin)
    page = client.get(reverse("admin:django_tasks_database_dbtaskresult_change", args=[result.id]))
    assert page.status_code == 200
    assert b"987654" not in page.content and b"args kwargs" not in page.content.lower()
