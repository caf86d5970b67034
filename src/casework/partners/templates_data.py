"""The default HQ memorandum of understanding template, version 1, as data.

Loaded by a migration and by `load_partners_demo`; later versions are published through the
service (`template_publish`), never by editing this file, so agreements keep the text they signed.
Clause text may name parameters in braces ("{acknowledge_days}"): an agreement fills them in.
"""

from __future__ import annotations

from typing import Any

SOURCE = (
    "CPS HQ model MoU for CCUs and police forces; building blocks from published CPS guidance on early "
    "investigative advice, the National File Standard and the Director's Guidance on Charging (local policy)"
)

PARAMETERS: list[dict[str, Any]] = [
    {
        "code": "acknowledge_days",
        "label": "CCU acknowledges a referral or advice request within",
        "default": 2,
        "unit": "working days",
        "min": 1,
        "max": 10,
    },
    {
        "code": "respond_days",
        "label": "CCU gives a triage decision or early advice within",
        "default": 10,
        "unit": "working days",
        "min": 2,
        "max": 40,
    },
    {
        "code": "action_plan_response_days",
        "label": "Police respond to an action plan within",
        "default": 15,
        "unit": "working days",
        "min": 2,
        "max": 60,
    },
    {
        "code": "file_submission_days",
        "label": "Police submit a full file after charge within",
        "default": 28,
        "unit": "working days",
        "min": 5,
        "max": 90,
    },
    {
        "code": "operational_meeting_weeks",
        "label": "Operational liaison meetings every",
        "default": 4,
        "unit": "weeks",
        "min": 1,
        "max": 13,
    },
    {
        "code": "strategic_meeting_weeks",
        "label": "Strategic liaison meetings every",
        "default": 13,
        "unit": "weeks",
        "min": 4,
        "max": 52,
    },
    {
        "code": "review_period_months",
        "label": "The agreement is reviewed every",
        "default": 12,
        "unit": "months",
        "min": 6,
        "max": 36,
    },
    {
        "code": "review_reminder_days",
        "label": "Reminder before the review date",
        "default": 60,
        "unit": "days",
        "min": 7,
        "max": 180,
    },
]

LADDER: list[dict[str, Any]] = [
    {"level": 1, "police": "Officer in the case", "cps": "Reviewing lawyer", "response_days": 2},
    {"level": 2, "police": "DI / DCI", "cps": "Legal manager", "response_days": 3},
    {"level": 3, "police": "Superintendent", "cps": "Unit Head", "response_days": 5},
    {"level": 4, "police": "Assistant Chief Constable", "cps": "DCCP / CCP", "response_days": 5},
]


def _clause(code: str, text: str, *, required: bool = True) -> dict[str, Any]:
    return {"code": code, "text": text, "required": required}


SECTIONS: list[dict[str, Any]] = [
    {
        "code": "parties",
        "title": "Parties and purpose",
        "clauses": [
            _clause(
                "parties.1",
                "This memorandum is made between the Complex Casework Unit of the CPS Area and the "
                "police force named above.",
            ),
            _clause("parties.2", "The prosecutor advises; the prosecutor does not direct the investigation."),
        ],
    },
    {
        "code": "referral",
        "title": "Referral of cases",
        "clauses": [
            _clause(
                "referral.1",
                "Cases on the national list of CCU case types are referred to the CCU; the CCP may "
                "direct other cases into the CCU with a recorded reason.",
            ),
            _clause(
                "referral.2", "Cases meeting a central casework division's criteria are redirected to that division."
            ),
            _clause(
                "referral.3",
                "The CCU acknowledges each referral within {acknowledge_days} working days and gives "
                "its decision within {respond_days} working days.",
            ),
            _clause(
                "referral.4",
                "A declined referral is communicated with its reason; an officer of Inspector rank or "
                "above may appeal it to the Unit Head.",
            ),
        ],
    },
    {
        "code": "early_advice",
        "title": "Early investigative advice",
        "clauses": [
            _clause(
                "early_advice.1",
                "Requests for early investigative advice contain the 8 items: unique reference "
                "number; factual summary; lines of enquiry completed, ongoing and contemplated; "
                "expected results and timescales; issues identified including the suspect's "
                "account; the specific questions; key evidential material; potentially "
                "disclosable material.",
            ),
            _clause("early_advice.2", "Advice is given within {respond_days} working days of a complete request."),
            _clause("early_advice.3", "A refusal is recorded with its reason and communicated to the police."),
        ],
    },
    {
        "code": "liaison",
        "title": "Liaison and named contacts",
        "clauses": [
            _clause("liaison.1", "Each side names a first and a second point of contact and keeps them up to date."),
            _clause(
                "liaison.2",
                "Operational liaison meetings are held every {operational_meeting_weeks} weeks and "
                "strategic meetings every {strategic_meeting_weeks} weeks, with attendance and actions "
                "recorded.",
            ),
        ],
    },
    {
        "code": "escalation",
        "title": "Escalation",
        "clauses": [
            _clause(
                "escalation.1",
                "Disagreements are raised at the lowest level of the escalation ladder and move up "
                "a level when the response time for the level passes without resolution.",
            ),
            _clause("escalation.2", "Every disagreement is recorded with its outcome."),
        ],
    },
    {
        "code": "progression",
        "title": "Case progression and file quality",
        "clauses": [
            _clause("progression.1", "Files meet the National File Standard."),
            _clause(
                "progression.2",
                "The police respond to prosecutors' action plans within {action_plan_response_days} working days.",
            ),
            _clause("progression.3", "Full files are submitted within {file_submission_days} working days of charge."),
            _clause(
                "progression.4", "Joint case progression reviews are held for cases with a trial date.", required=False
            ),
        ],
    },
    {
        "code": "review",
        "title": "Review",
        "clauses": [
            _clause(
                "review.1",
                "This memorandum is reviewed every {review_period_months} months and whenever HQ "
                "publishes a new template version.",
            ),
        ],
    },
]


def template_v1() -> dict[str, Any]:
    return {
        "number": 1,
        "title": "HQ model memorandum of understanding: CCU and police force",
        "effective_from": "2026-04-01",
        "source": SOURCE,
        "sections": SECTIONS,
        "parameters": PARAMETERS,
        "ladder": LADDER,
    }
