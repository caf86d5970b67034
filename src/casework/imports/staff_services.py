"""Writing checked staff rows: upsert on staff number (the sign-in name), audited.

A new person is a `collect`; changed personal or post details are an `alter`; a changed unit or
set of roles decides what the person may see, so it is a `permission_change` (as in the admin
site). Passwords are never imported: new people get an unusable password until an administrator
sets one. Activity flags (is_active, is_staff, is_superuser) are never changed by an import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.audit.services import PendingEvent
from casework.identity import role_grants
from casework.imports.staff import StaffRow
from casework.people.models import Role, Specialism, User

if TYPE_CHECKING:
    from casework.imports.case_services import ImportBatch

#: Fields whose change alters what the person may see or do.
ACCESS_FIELDS = frozenset({"unit_id", "roles"})
SCALAR_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "unit_id",
    "grade_id",
    "fte",
    "contracted_hours",
    "working_pattern",
    "line_manager_id",
)


def _state(person: User, roles: frozenset[str], specialisms: frozenset[int], codes: dict[int, str]) -> dict[str, Any]:
    """The audited values; sets as sorted comma-separated codes (the audit stores plain values)."""
    state = {name: getattr(person, name) for name in SCALAR_FIELDS}
    state["roles"] = ", ".join(sorted(roles))
    state["specialisms"] = ", ".join(sorted(codes[pk] for pk in specialisms))
    return state


def _event(action: str, person: User, changes: dict[str, Any]) -> PendingEvent:
    return PendingEvent(
        action=action,
        subject_type=person._meta.label_lower,
        subject_id=str(person.pk),
        subject_label=person.username,
        changes=changes,
    )


def write_staff(batch: ImportBatch, rows: list[StaffRow]) -> None:
    """Create or update each person of the batch (managers come before their reports)."""
    numbers = {row.staff_number for row in rows} | {row.line_manager for row in rows if row.line_manager}
    people = {u.username: u for u in User.objects.filter(username__in=numbers)}
    role_ids = {role.code: role.pk for role in Role.objects.all()}
    specialism_codes = dict(Specialism.objects.values_list("pk", "code"))
    held_roles: dict[int, frozenset[str]] = {}
    held_specialisms: dict[int, frozenset[int]] = {}
    for person in User.objects.filter(pk__in=[u.pk for u in people.values()]).prefetch_related("roles", "specialisms"):
        held_roles[person.pk] = frozenset(r.code for r in person.roles.all())
        held_specialisms[person.pk] = frozenset(s.pk for s in person.specialisms.all())

    for row in rows:
        values = dict(row.values)
        if row.line_manager:
            values["line_manager_id"] = people[row.line_manager].pk
        existing = people.get(row.staff_number)
        if existing is None:
            person = User.objects.create_user(username=row.staff_number, password=None, **values)
            roles, specialisms = row.roles or frozenset(), row.specialism_ids or frozenset()
            roles = _request_widening(batch, person, added=roles, roles=roles)
            _set_roles(person, roles, role_ids)
            person.specialisms.set(specialisms)
            people[row.staff_number] = person
            batch.created += 1
            batch.events.append(
                _event(Action.COLLECT, person, audit.diff({}, _state(person, roles, specialisms, specialism_codes)))
            )
            continue
        person = existing
        roles = held_roles.get(person.pk, frozenset())
        specialisms = held_specialisms.get(person.pk, frozenset())
        before = _state(person, roles, specialisms, specialism_codes)
        for name, value in values.items():
            setattr(person, name, value)
        new_roles = row.roles if row.roles is not None else roles
        new_roles = _request_widening(batch, person, added=new_roles - roles, roles=new_roles)
        new_specialisms = row.specialism_ids if row.specialism_ids is not None else specialisms
        changes = audit.diff(before, _state(person, new_roles, new_specialisms, specialism_codes))
        if not changes:
            batch.unchanged += 1
            continue
        changed_scalars = [name for name in changes if name in SCALAR_FIELDS]
        if changed_scalars:
            person.save(update_fields=[name.removesuffix("_id") for name in changed_scalars])
        if "roles" in changes:
            _set_roles(person, new_roles, role_ids)
        if "specialisms" in changes:
            person.specialisms.set(new_specialisms)
        batch.altered += 1
        access = {k: v for k, v in changes.items() if k in ACCESS_FIELDS}
        details = {k: v for k, v in changes.items() if k not in ACCESS_FIELDS}
        if access:
            batch.events.append(_event(Action.PERMISSION_CHANGE, person, access))
        if details:
            batch.events.append(_event(Action.ALTER, person, details))


def _request_widening(
    batch: ImportBatch, person: User, *, added: frozenset[str], roles: frozenset[str]
) -> frozenset[str]:
    """Roles that widen access to case data are not given by an import: each becomes a request a
    second administrator approves (identity.role_grants). Returns the roles to set now."""
    waiting = role_grants.needs_second_person(added)
    for code in sorted(waiting):
        role_grants.role_grant_request(actor=batch.user, user=person, code=code, reason="Asked by a staff import")
    return roles - waiting


def _set_roles(person: User, codes: frozenset[str], role_ids: dict[str, int]) -> None:
    missing = [code for code in codes if code not in role_ids]
    for code in missing:  # role rows are reference data; create any not yet loaded
        role_ids[code] = Role.objects.get_or_create(code=code)[0].pk
    person.roles.set([role_ids[code] for code in codes])
