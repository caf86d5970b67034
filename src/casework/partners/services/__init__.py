"""Writes for the police partnership, by subject. Import them from here: `from casework.partners
import services` then `services.referral_accept(...)`; the modules behind this name may change.

Each service runs in one transaction, checks the actor may do it (visibility first: outside the
actor's view is NotFound) and records its audit event inside it.

Who does what: HQ publishes template versions (mou_templates); a unit's legal managers and Unit
Head negotiate and sign their forces' agreements (agreements) and triage referrals (referrals);
the unit's prosecutors give early advice and issue action plans; a force's liaison officers submit
requests, answer action plans and ask for escalation (escalations), for their own force only;
liaison meetings and disagreements (liaison); every portal read is a disclosure (disclosures).
"""

from casework.partners.services.agreements import (
    EDITABLE_AGREEMENT_FIELDS,
    EXPIRY_GRACE_MONTHS,
    agreement_create,
    agreement_record_deviation,
    agreement_remove_deviation,
    agreement_start_revision,
    agreement_transition,
    agreement_update,
    agreements_review_sweep,
)
from casework.partners.services.disclosures import performance_export, portal_disclose
from casework.partners.services.escalations import breaches_sweep, escalation_request, escalation_resolve
from casework.partners.services.liaison import (
    disagreement_record,
    disagreement_resolve,
    meeting_action_complete,
    meeting_record,
)
from casework.partners.services.mou_templates import template_publish
from casework.partners.services.referrals import (
    APPEAL_ROUTE,
    ITEM_FIELDS,
    action_plan_answer,
    action_plan_issue,
    referral_accept,
    referral_acknowledge,
    referral_advise,
    referral_decline,
    referral_redirect,
    referral_send_missing_items,
    referral_submit,
)

__all__ = [
    "APPEAL_ROUTE",
    "EDITABLE_AGREEMENT_FIELDS",
    "EXPIRY_GRACE_MONTHS",
    "ITEM_FIELDS",
    "action_plan_answer",
    "action_plan_issue",
    "agreement_create",
    "agreement_record_deviation",
    "agreement_remove_deviation",
    "agreement_start_revision",
    "agreement_transition",
    "agreement_update",
    "agreements_review_sweep",
    "breaches_sweep",
    "disagreement_record",
    "disagreement_resolve",
    "escalation_request",
    "escalation_resolve",
    "meeting_action_complete",
    "meeting_record",
    "performance_export",
    "portal_disclose",
    "referral_accept",
    "referral_acknowledge",
    "referral_advise",
    "referral_decline",
    "referral_redirect",
    "referral_send_missing_items",
    "referral_submit",
    "template_publish",
]
