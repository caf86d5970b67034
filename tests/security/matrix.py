"""The access matrix: every URL name of the project, how to probe it, and who may see it.

Kinds:
- OBJECT: the URL names a record of unit B (or force Y), built from the world's kwargs. Anyone
  outside `readers` must be refused (404, 403 where visible but not changeable, 405, or a redirect
  away) and must never receive its text. Where the world builds no such record, the id is one no
  record has, and everyone must be refused.
- PAGE: a page without an object in its URL (lists, dashboards, exports, forms). Nobody outside
  unit B may find unit B's text on it; `open_to`, where given, is who may open it at all.
- PUBLIC: reachable signed out (sign-in, schema).

A new URL name fails test_every_url_is_in_the_matrix until it is added here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.security.world import UNIT_B_READERS

OBJECT, PAGE, PUBLIC = "object", "page", "public"
ALL = frozenset(
    {
        "prosecutor_a",
        "paralegal_a",
        "manager_a",
        "unithead_a",
        "prosecutor_b",
        "area_leader_a",
        "hq",
        "inspector",
        "police_x",
        "police_y",
        "admin",
    }
)
CASEWORK_STAFF = frozenset({"prosecutor_a", "paralegal_a", "manager_a", "unithead_a", "prosecutor_b"})
#: CPS staff (the CTL calculator): casework staff, Area leadership and HQ; not inspectors, police or admins.
CPS_STAFF = CASEWORK_STAFF | {"area_leader_a", "hq"}
NOBODY: frozenset[str] = frozenset()
REFERRAL_READERS = UNIT_B_READERS | {"police_y"}
#: The retention dashboard, review list, holds and disposal log: unit heads and records officers (their
#: unit), Area leadership (their Area), HQ and inspectors (every unit).
RECORDS_READERS = frozenset({"unithead_a", "area_leader_a", "hq", "inspector"})
#: Capacity by grade per Area and nation: Area leadership, unit managers (their unit's Area), HQ, inspectors.
RESOURCING_ROLLUP_READERS = frozenset({"manager_a", "unithead_a", "area_leader_a", "hq", "inspector"})


@dataclass(frozen=True)
class Probe:
    kind: str
    readers: frozenset[str] = UNIT_B_READERS
    open_to: frozenset[str] | None = None
    #: Where the world has no record of this type: nobody can reach it.
    missing: bool = False
    notes: str = field(default="", compare=False)


def obj(readers: frozenset[str] = UNIT_B_READERS) -> Probe:
    return Probe(OBJECT, readers=readers)


def absent() -> Probe:
    return Probe(OBJECT, readers=NOBODY, missing=True)


def page(open_to: frozenset[str] | None = None) -> Probe:
    return Probe(PAGE, open_to=open_to)


MATRIX: dict[str, Probe] = {
    # core
    "home": page(),
    "login": Probe(PUBLIC),
    "logout": Probe(PUBLIC),
    "healthz": Probe(PUBLIC),
    "password_change": page(),
    # identity: sign-in steps, own account, administrators' account pages
    "login_code": Probe(PUBLIC),
    "login_set_up_authenticator": Probe(PUBLIC),
    "oidc_start": Probe(PUBLIC),
    "oidc_callback": Probe(PUBLIC),
    "password_reset": Probe(PUBLIC),
    "account_set_password": Probe(PUBLIC),
    "account": page(),
    "account_recovery_codes": page(),
    "accounts": page(open_to=frozenset({"admin"})),
    "account_detail": obj(frozenset({"admin"})),
    "account_invite": obj(frozenset({"admin"})),
    "account_reset_authenticator": obj(frozenset({"admin"})),
    "account_deactivate": obj(frozenset({"admin"})),
    "account_reactivate": obj(frozenset({"admin"})),
    # API tokens (pages of the api app): one's own, and anyone's for administrators
    "api_tokens": page(),
    "api_token_revoke": absent(),
    "api_person_tokens": obj(frozenset({"admin", "prosecutor_b"})),
    "api_person_tokens_revoke": obj(frozenset({"admin", "prosecutor_b"})),
    # pages about the service, linked from every footer: open to everyone, signed in or not
    "help": Probe(PUBLIC),
    "contact": Probe(PUBLIC),
    "accessibility": Probe(PUBLIC),
    "privacy": Probe(PUBLIC),
    "feedback": Probe(PUBLIC),
    # cases
    "cases:my": page(),
    "cases:my_export": page(),
    "cases:unit": page(),
    "cases:unit_export": page(),
    "cases:all": page(open_to=frozenset({"hq", "inspector"})),
    "cases:all_export": page(open_to=frozenset({"hq", "inspector"})),
    "cases:create": page(),
    "cases:find": page(),
    "cases:access_grants": page(),
    "cases:access_grant_review": obj(NOBODY | {"prosecutor_b"}),
    "cases:detail": obj(),
    "cases:section": obj(),
    "cases:edit": obj(),
    "cases:stage": obj(),
    "cases:defendant_add": obj(),
    "cases:defendant_edit": obj(),
    "cases:charge_add": obj(),
    "cases:charge_edit": obj(),
    "cases:hearing_add": obj(),
    "cases:hearing_edit": obj(),
    "cases:document_add": obj(),
    "cases:document_revise": obj(),
    "cases:review_add": obj(),
    # people
    "people:detail": obj(frozenset({"prosecutor_b", "hq", "inspector", "admin"})),
    # audit
    "audit:search": page(open_to=frozenset({"inspector", "hq", "unithead_a", "admin"})),
    # progression (unit B's case and its custody clock; deadlines and tasks are not built)
    "progression:case": obj(),
    "progression:recalculate": obj(),
    "progression:clock_open": obj(),
    "progression:clock_event": obj(),
    "progression:clock_check": obj(),
    "progression:extension_start": obj(),
    "progression:ctl_log_add": obj(),
    "progression:deadline_met": absent(),
    "progression:deadline_missed": absent(),
    "progression:deadline_direct": absent(),
    "progression:direction_add": obj(),
    "progression:case_task_add": obj(),
    "progression:tasks": page(),
    "progression:tasks_export": page(),
    "progression:task_add": page(),
    "progression:task_complete": absent(),
    "progression:notices": page(),
    "progression:notices_read": page(),
    "progression:notices_export": page(),
    "progression:board": page(),
    # workday: the overview of each role (not administrators) and the lists behind its figures
    "workday:overview": page(open_to=ALL - {"admin"}),
    "workday:figure": page(),
    "progression:board_export": page(),
    "progression:ctl_calculator": page(open_to=CPS_STAFF),
    "progression:ctl_reckoner": page(open_to=CPS_STAFF),
    "progression:calendar": page(),
    "progression:calendar_ics": absent(),
    # quality
    "quality:home": page(),
    "quality:sample": page(),
    "quality:sample_swap": absent(),
    "quality:start": page(),
    "quality:assessment": absent(),
    "quality:edit": absent(),
    "quality:feedback": absent(),
    "quality:acknowledge": absent(),
    "quality:close": absent(),
    "quality:moderate": absent(),
    "quality:resolve": absent(),
    "quality:coverage": page(),
    "quality:coverage_csv": page(),
    "quality:coverage_xlsx": page(),
    "quality:analytics": page(),
    "quality:analytics_csv": page(),
    "quality:analytics_xlsx": page(),
    # assurance
    "assurance:recheck": obj(),
    "assurance:history": obj(),
    "assurance:exemption": obj(),
    "assurance:waiver_grant": obj(),
    "assurance:waiver_revoke": absent(),
    "assurance:signoff_request": obj(),
    "assurance:panel": obj(),
    "assurance:panel_register": obj(),
    "assurance:panel_meeting": obj(),
    "assurance:panel_action_done": absent(),
    "assurance:approvals": page(),
    "assurance:signoff_decide": absent(),
    "assurance:dashboard": page(),
    "assurance:dashboard_export": page(),
    "assurance:rule_failing": page(),
    "assurance:rule_failing_export": page(),
    # partners (the referral is force Y's, to unit B)
    "partners:portal": page(),
    "partners:portal_submit": page(),
    "partners:portal_agreement": page(),
    "partners:portal_referral": obj(frozenset({"police_y"})),
    "partners:portal_escalate": obj(frozenset({"police_y"})),
    "partners:portal_send_missing": obj(frozenset({"police_y"})),
    "partners:portal_answer": absent(),
    "partners:referrals": page(),
    "partners:referral": obj(REFERRAL_READERS - {"police_y"}),
    "partners:referral_acknowledge": obj(REFERRAL_READERS - {"police_y"}),
    "partners:referral_accept": obj(REFERRAL_READERS - {"police_y"}),
    "partners:referral_redirect": obj(REFERRAL_READERS - {"police_y"}),
    "partners:referral_decline": obj(REFERRAL_READERS - {"police_y"}),
    "partners:referral_advise": obj(REFERRAL_READERS - {"police_y"}),
    "partners:referral_action_plan": obj(REFERRAL_READERS - {"police_y"}),
    "partners:referral_escalate": obj(REFERRAL_READERS - {"police_y"}),
    "partners:referral_resolve": obj(REFERRAL_READERS - {"police_y"}),
    "partners:agreements": page(),
    "partners:agreement_create": page(),
    "partners:agreement": absent(),
    "partners:agreement_performance_export": absent(),
    "partners:agreement_parameters": absent(),
    "partners:agreement_deviation": absent(),
    "partners:agreement_remove_deviation": absent(),
    "partners:agreement_sign": absent(),
    "partners:agreement_transition": absent(),
    "partners:agreement_revise": absent(),
    "partners:agreement_meeting": absent(),
    "partners:agreement_action_done": absent(),
    "partners:agreement_disagreement": absent(),
    "partners:agreement_resolve_disagreement": absent(),
    "partners:templates": page(),
    "partners:template_publish": page(),
    "partners:template": absent(),
    "partners:coverage": page(),
    "partners:coverage_export": page(),
    # resourcing
    "resourcing:home": page(),
    "resourcing:grades": page(open_to=RESOURCING_ROLLUP_READERS),
    "resourcing:grades_csv": page(open_to=RESOURCING_ROLLUP_READERS),
    "resourcing:grades_xlsx": page(open_to=RESOURCING_ROLLUP_READERS),
    "resourcing:unit": obj(),
    "resourcing:unit_csv": obj(),
    "resourcing:unit_xlsx": obj(),
    "resourcing:case": obj(),
    "resourcing:allocate": obj(),
    "resourcing:vacancies": obj(),
    "resourcing:timesheet": obj(),
    "resourcing:scenarios": page(),
    "resourcing:scenario": obj(readers=frozenset({"hq"})),
    # oversight
    "oversight:dashboard": page(),
    "oversight:dashboard_export": page(),
    "oversight:drill": page(),
    "oversight:samples": page(),
    "oversight:sample": absent(),
    "oversight:examine": absent(),
    "oversight:pack_sample": absent(),
    "oversight:pack_case": obj(),
    "oversight:s62": page(),
    # imports
    "imports:home": page(open_to=frozenset({"admin"})),
    # background exports: a job (and its file) is its requester's alone (the world's is prosecutor.b's)
    "exports:list": page(),
    "exports:new": page(open_to=frozenset({"hq", "inspector"})),
    "exports:job": obj(frozenset({"prosecutor_b"})),
    "exports:status": obj(frozenset({"prosecutor_b"})),
    "exports:download": obj(frozenset({"prosecutor_b"})),
    "imports:run": absent(),
    "imports:start": absent(),
    "imports:resume": absent(),
    # records management (the world's unit B case is not finalised: nothing of it is due)
    "records:dashboard": page(open_to=RECORDS_READERS),
    "records:review": page(open_to=RECORDS_READERS),
    "records:review_detail": absent(),
    "records:holds": page(open_to=RECORDS_READERS),
    "records:hold_lift": absent(),
    "records:disposals": page(open_to=RECORDS_READERS),
    "records:schedule": page(open_to=RECORDS_READERS),
    "records:export": page(open_to=RECORDS_READERS),
    "records:restricted": page(open_to=frozenset({"unithead_a"})),
    "records:restricted_open": obj(readers=NOBODY),
    "records:restriction_lift": obj(readers=NOBODY),
}

#: Namespaces whose pages are covered by a rule rather than by name.
RULE_COVERED_NAMESPACES = {"admin": "Django admin: staff only; checked by test_admin_site_is_staff_only"}
#: The API is checked operation by operation from its OpenAPI schema (test_api_matrix.py).
API_NAMESPACE = "api"
