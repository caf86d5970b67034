"""The service navigation: a few sections, each with the pages of that part of the service.

The top row (GOV.UK service navigation, with its "Menu" toggle on small screens) lists the sections a
role can use; inside a section, MoJ sub-navigation lists that section's pages. A role sees a
section only when it can use at least one of its pages, and a page only when it can use it (a
paralegal has no "Quality" section: paralegals are not assessed and assess nobody).

Exactly one section is current on any page that belongs to one: the section whose pages' URL
names match the page's, with pages about one case (a `case_id` in the URL) under "Cases".

It lives with sign-in (above people), not in core: it needs the role codes, and names each app's
pages only by URL name, so it imports no app above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from casework.people.choices import (
    CASEWORKER_ROLES,
    CPS_STAFF_ROLES,
    NATIONAL_READ_ROLES,
    RESTRICTED_READER_ROLES,
    UNIT_MANAGER_ROLES,
    RoleCode,
)

_MANAGERS = UNIT_MANAGER_ROLES
_CASE_STAFF = CASEWORKER_ROLES | UNIT_MANAGER_ROLES
_AREA = frozenset({RoleCode.AREA_LEADERSHIP})
_OVERSEERS = UNIT_MANAGER_ROLES | _AREA | NATIONAL_READ_ROLES
_CPS_STAFF = _CASE_STAFF | _AREA | NATIONAL_READ_ROLES
_RECORDS_READERS = (
    frozenset({RoleCode.RECORDS_OFFICER, RoleCode.UNIT_HEAD, RoleCode.AREA_LEADERSHIP}) | NATIONAL_READ_ROLES
)
_AUDIT_READERS = frozenset({RoleCode.INSPECTOR, RoleCode.HQ_ANALYST, RoleCode.UNIT_HEAD})


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Section:
    label: str
    #: URL-name prefixes of the pages that belong to this section (the longest match wins).
    owns: tuple[str, ...]
    pages: tuple[Page, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "Overview",
        ("workday:",),
        (Page("Overview", "workday:overview", _CPS_STAFF | frozenset({RoleCode.POLICE_LIAISON})),),
    ),
    Section(
        "Cases",
        ("cases:", "people:", "exports:"),
        (
            Page("My cases", "cases:my", _CASE_STAFF),
            Page("Unit cases", "cases:unit", _MANAGERS | _AREA),
            Page("All cases", "cases:all", NATIONAL_READ_ROLES),
            Page("Access reviews", "cases:access_grants", _MANAGERS),
            # Exports prepared in the background (from the case lists and assurance drill-downs).
            Page("Your exports", "exports:list", _CPS_STAFF),
        ),
    ),
    Section(
        "Tasks",
        ("progression:",),
        (
            Page("My tasks", "progression:tasks", _CASE_STAFF),
            Page("Progression board", "progression:board", _OVERSEERS),
            Page("Notices", "progression:notices", _CASE_STAFF),
            Page("Calendar feed", "progression:calendar", _CASE_STAFF),
            Page("CTL calculator", "progression:ctl_calculator", frozenset(CPS_STAFF_ROLES)),
        ),
    ),
    Section(
        "Assurance",
        ("assurance:",),
        (
            Page("My approvals", "assurance:approvals", _MANAGERS),
            Page("Assurance dashboard", "assurance:dashboard", _OVERSEERS),
        ),
    ),
    Section(
        "Quality",
        ("quality:",),
        (
            Page("Quality assessments", "quality:home", frozenset({RoleCode.PROSECUTOR}) | _MANAGERS),
            Page("Sampling", "quality:sample", _MANAGERS),
            Page("Coverage", "quality:coverage", _OVERSEERS),
            Page("Analytics", "quality:analytics", _OVERSEERS),
        ),
    ),
    Section(
        "Resourcing",
        ("resourcing:",),
        (
            Page("Workload and capacity", "resourcing:home", _CPS_STAFF),
            Page("Capacity by grade", "resourcing:grades", _OVERSEERS),
            Page("Scenarios", "resourcing:scenarios", _MANAGERS | _AREA | frozenset({RoleCode.HQ_ANALYST})),
        ),
    ),
    Section(
        "Partnership",
        ("partners:",),
        (
            Page("Referrals", "partners:referrals", _CASE_STAFF | _AREA),
            Page("Agreements", "partners:agreements", _CPS_STAFF),
            Page("HQ template", "partners:templates", _CPS_STAFF | frozenset({RoleCode.HQ_POLICY})),
            Page("Coverage", "partners:coverage", _CPS_STAFF),
        ),
    ),
    Section(
        "Oversight",
        ("oversight:", "audit:"),
        (
            Page("Dashboard", "oversight:dashboard", _OVERSEERS),
            Page("Inspection samples", "oversight:samples", frozenset({RoleCode.INSPECTOR})),
            Page("Audit trail", "audit:search", _AUDIT_READERS | frozenset({RoleCode.ADMINISTRATOR})),
            Page("Audit log export", "oversight:s62", _AUDIT_READERS),
        ),
    ),
    Section(
        "Records",
        ("records:",),
        (
            Page("Records dashboard", "records:dashboard", _RECORDS_READERS),
            Page("Due for review", "records:review", _RECORDS_READERS),
            Page("Legal holds", "records:holds", _RECORDS_READERS),
            Page("Disposal log", "records:disposals", _RECORDS_READERS),
            Page("Retention schedule", "records:schedule", _RECORDS_READERS),
            Page("Restricted records", "records:restricted", frozenset(RESTRICTED_READER_ROLES)),
        ),
    ),
    Section(
        "Police portal",
        ("partners:portal",),
        (
            Page("Your referrals", "partners:portal", frozenset({RoleCode.POLICE_LIAISON})),
            Page("Make a referral", "partners:portal_submit", frozenset({RoleCode.POLICE_LIAISON})),
            Page("Agreement", "partners:portal_agreement", frozenset({RoleCode.POLICE_LIAISON})),
        ),
    ),
    Section(
        "Administration",
        (
            "imports:",
            "admin:",
            "accounts",
            "account_detail",
            "account_invite",
            "account_reset_authenticator",
            "account_deactivate",
            "account_reactivate",
        ),
        (
            Page("Import records", "imports:home", frozenset({RoleCode.ADMINISTRATOR})),
            Page("Accounts", "accounts", frozenset({RoleCode.ADMINISTRATOR})),
            Page("Administration", "admin:index", frozenset({RoleCode.ADMINISTRATOR})),
        ),
    ),
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class Navigation:
    sections: list[Link]
    #: The current section's pages (empty when the section has only one page or none is current).
    pages: list[Link]
    section_label: str


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _current_section(sections: list[Section], path: str) -> Section | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if "case_id" in match.kwargs:
        return next((s for s in sections if s.label == "Cases"), None)
    name = match.view_name
    owners = [(len(prefix), s) for s in sections for prefix in s.owns if name.startswith(prefix)]
    return max(owners, key=lambda pair: pair[0])[1] if owners else None


def _current_page(links: list[tuple[Page, str]], url_name: str, path: str) -> Page | None:
    exact = next((page for page, _url in links if page.url_name == url_name), None)
    if exact is not None:
        return exact
    prefixes = [(len(url), page) for page, url in links if path.startswith(url)]
    return max(prefixes, key=lambda pair: pair[0])[1] if prefixes else None


def navigation_for(user: Any, path: str) -> Navigation:
    roles = user.role_codes
    usable: list[tuple[Section, list[tuple[Page, str]]]] = []
    for section in SECTIONS:
        links = [(page, url) for page in section.pages if roles & page.roles and (url := _url(page.url_name))]
        if links:
            usable.append((section, links))
    current = _current_section([section for section, _ in usable], path)
    try:
        url_name = resolve(path).view_name
    except Resolver404:
        url_name = ""
    sections = [Link(section.label, links[0][1], section is current) for section, links in usable]
    pages: list[Link] = []
    for section, links in usable:
        if section is current and len(links) > 1:
            page = _current_page(links, url_name, path)
            pages = [Link(p.label, url, p is page) for p, url in links]
    return Navigation(sections=sections, pages=pages, section_label=current.label if current else "")


def pages_for(user: Any) -> list[str]:
    """The labels of every page a role's navigation offers, section by section."""
    roles = user.role_codes
    return [page.label for section in SECTIONS for page in section.pages if roles & page.roles and _url(page.url_name)]
