"""Which sections each role sees in the service navigation."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from casework.people.choices import CASEWORKER_ROLES, NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode

# (label, url name, roles that see it)
SECTIONS: list[tuple[str, str, frozenset[str]]] = [
    ("My cases", "cases:my", frozenset(CASEWORKER_ROLES | UNIT_MANAGER_ROLES)),
    ("Unit cases", "cases:unit", frozenset(UNIT_MANAGER_ROLES | {RoleCode.AREA_LEADERSHIP})),
    ("All cases", "cases:all", frozenset(NATIONAL_READ_ROLES)),
    ("My tasks", "progression:tasks", frozenset(CASEWORKER_ROLES | UNIT_MANAGER_ROLES)),
    (
        "Progression board",
        "progression:board",
        frozenset(UNIT_MANAGER_ROLES | {RoleCode.AREA_LEADERSHIP} | NATIONAL_READ_ROLES),
    ),
    ("My approvals", "assurance:approvals", frozenset(UNIT_MANAGER_ROLES)),
    (
        "Assurance",
        "assurance:dashboard",
        frozenset(UNIT_MANAGER_ROLES | {RoleCode.AREA_LEADERSHIP} | NATIONAL_READ_ROLES),
    ),
    (
        "Oversight",
        "oversight:dashboard",
        frozenset(UNIT_MANAGER_ROLES | {RoleCode.AREA_LEADERSHIP} | NATIONAL_READ_ROLES),
    ),
    ("Inspection samples", "oversight:samples", frozenset({RoleCode.INSPECTOR})),
    (
        "Audit trail",
        "audit:search",
        frozenset({RoleCode.INSPECTOR, RoleCode.HQ_ANALYST, RoleCode.UNIT_HEAD, RoleCode.ADMINISTRATOR}),
    ),
    ("Quality assessments", "quality:home", frozenset(CASEWORKER_ROLES | UNIT_MANAGER_ROLES)),
    ("IQA coverage", "quality:coverage", frozenset({RoleCode.AREA_LEADERSHIP} | NATIONAL_READ_ROLES)),
    (
        "Resourcing",
        "resourcing:home",
        frozenset(CASEWORKER_ROLES | UNIT_MANAGER_ROLES | {RoleCode.AREA_LEADERSHIP} | NATIONAL_READ_ROLES),
    ),
    ("Access reviews", "cases:access_grants", frozenset(UNIT_MANAGER_ROLES)),
    ("Referrals", "partners:referrals", frozenset(CASEWORKER_ROLES | UNIT_MANAGER_ROLES | {RoleCode.AREA_LEADERSHIP})),
    (
        "Agreements",
        "partners:agreements",
        frozenset(CASEWORKER_ROLES | UNIT_MANAGER_ROLES | {RoleCode.AREA_LEADERSHIP} | NATIONAL_READ_ROLES),
    ),
    ("MoU templates", "partners:templates", frozenset({RoleCode.HQ_POLICY})),
    ("Police portal", "partners:portal", frozenset({RoleCode.POLICE_LIAISON})),
    ("Import records", "imports:home", frozenset({RoleCode.ADMINISTRATOR})),
    ("Administration", "admin:index", frozenset({RoleCode.ADMINISTRATOR})),
]


def items_for(user: Any, path: str) -> list[dict[str, Any]]:
    items = []
    for label, name, roles in SECTIONS:
        if not (user.role_codes & roles):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": path.startswith(url)})
    return items
