"""The default IQA question set as data: the four CPS casework quality standards plus a dedicated
disclosure section (the 2018 inspection found the disclosure question missing).

Loaded as version 1 by a data migration; a new version is published with
`casework quality_question_set publish FILE.json` (same shape as DEFAULT_SET) and old assessments
keep theirs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from casework.quality.choices import DEFAULT_SCALE, NO_COMMENT_NEEDED, AssessmentKind

SOURCE = "CPS casework quality standards; HMCPSI IQA findings (2018, 2025); questions: local policy"
EFFECTIVE_FROM = dt.date(2026, 1, 1)
CASEWORK = [AssessmentKind.CASEWORK.value]
BOTH = [AssessmentKind.CASEWORK.value, AssessmentKind.ADVOCACY.value]
POST_CHARGE = ["charged", "ptph", "trial_preparation", "trial", "sentence", "finalised", "discontinued"]
COURT = ["ptph", "trial_preparation", "trial", "sentence", "finalised"]


def _q(
    code: str, text: str, guidance: str, kinds: list[str] | None = None, stages: list[str] | None = None
) -> dict[str, Any]:
    return {"code": code, "text": text, "guidance": guidance, "kinds": kinds or CASEWORK, "stages": stages or []}


DEFAULT_SET: dict[str, Any] = {
    "code": "iqa",
    "title": "Individual Quality Assessment",
    "source": SOURCE,
    "effective_from": EFFECTIVE_FROM.isoformat(),
    "sections": [
        {
            "code": "victims",
            "title": "Victims, witnesses and communities",
            "standard": "Standard 1: victims, witnesses and communities",
            "questions": [
                _q(
                    "victim-communication",
                    "Victims were kept informed of key decisions in good time.",
                    "Look for Victim Communication and Liaison letters and meetings, including decisions to drop or "
                    "substantially alter a charge.",
                    BOTH,
                ),
                _q(
                    "special-measures",
                    "Special measures and witness needs were identified and applied for.",
                    "Were applications made in time and do they address each witness's needs?",
                    BOTH,
                    POST_CHARGE,
                ),
            ],
        },
        {
            "code": "decisions",
            "title": "Legal decision-making",
            "standard": "Standard 2: legal decision-making",
            "questions": [
                _q(
                    "code-test",
                    "The Code for Crown Prosecutors was applied correctly at each decision.",
                    "Full Code Test or Threshold Test applied correctly, with the right test for the circumstances.",
                ),
                _q(
                    "rationale",
                    "Each decision records its rationale.",
                    "The reasons must be on the case: what is not recorded counts as not done.",
                ),
                _q(
                    "case-strategy",
                    "The Prosecution Strategy Document sets out a clear case strategy.",
                    "PSD present (or formally exempted), current, and updated after key events.",
                ),
            ],
        },
        {
            "code": "preparation",
            "title": "Casework preparation and progression",
            "standard": "Standard 3: casework preparation and progression",
            "questions": [
                _q(
                    "progression",
                    "The case was progressed effectively, with directions met on time.",
                    "Stage dates and court directions met, or extensions sought in time.",
                    stages=POST_CHARGE,
                ),
                _q(
                    "ctl-management",
                    "Custody time limits were managed correctly.",
                    "Log current, expiry checked by a second person, extension applications prepared in time. "
                    "Answer not applicable where no custody time limit ran.",
                    stages=POST_CHARGE,
                ),
                _q(
                    "police-liaison",
                    "Action plans to the police were clear, proportionate and followed up.",
                    "Early advice and action plans focus on the issues; responses chased.",
                ),
            ],
        },
        {
            "code": "court",
            "title": "Presentation in court",
            "standard": "Standard 4: presentation in court",
            "questions": [
                _q(
                    "advocacy",
                    "The case was presented in court clearly and effectively.",
                    "Preparation, clarity, responsiveness to the court, adherence to the Farquharson guidelines.",
                    [AssessmentKind.ADVOCACY.value],
                    COURT,
                ),
                _q(
                    "hearing-record",
                    "Hearing record sheets are complete and on the case promptly.",
                    "Outcomes and actions recorded after every hearing.",
                    BOTH,
                    COURT,
                ),
            ],
        },
        {
            "code": "disclosure",
            "title": "Disclosure",
            "standard": "Disclosure (CPIA 1996)",
            "questions": [
                _q(
                    "disclosure-strategy",
                    "The disclosure strategy is recorded and appropriate.",
                    "A disclosure strategy in the PSD or the Disclosure Management Document, proportionate to the "
                    "case.",
                ),
                _q(
                    "disclosure-duties",
                    "Initial and continuing disclosure duties were met correctly and on time.",
                    "Schedules reviewed, decisions recorded with reasons, defence statement reviewed against unused "
                    "material.",
                    stages=POST_CHARGE,
                ),
            ],
        },
    ],
}


class QuestionSetInvalid(ValueError):
    pass


def validate(spec: dict[str, Any]) -> None:
    """Refuse a question set that could not be answered consistently."""
    problems: list[str] = []
    for key in ("code", "title", "source", "effective_from", "sections"):
        if not spec.get(key):
            problems.append(f"missing {key}")
    seen: set[str] = set()
    for section in spec.get("sections", []):
        if not section.get("questions"):
            problems.append(f"section {section.get('code')} has no questions")
        for question in section.get("questions", []):
            code = question.get("code", "")
            if not code or code in seen:
                problems.append(f"question code {code!r} missing or repeated")
            seen.add(code)
            scale = question.get("scale") or list(DEFAULT_SCALE)
            if not set(scale) <= set(DEFAULT_SCALE):
                problems.append(f"question {code} has unknown answers in its scale")
            if not set(question.get("comment_not_needed_for") or NO_COMMENT_NEEDED) <= set(scale):
                problems.append(f"question {code}: answers needing no comment must be in its scale")
            if not question.get("kinds") or not set(question["kinds"]) <= set(AssessmentKind.values):
                problems.append(f"question {code} must name the assessment kinds it applies to")
    if problems:
        raise QuestionSetInvalid("; ".join(problems))
