"""Every kind of e-mail the service sends, who may receive it and the personalisation it carries.

Each kind is one GOV.UK Notify template (its id comes from configuration: NOTIFY_TEMPLATE_<CODE>).
The fields listed are the only personalisation a message of that kind may carry, so no free text
from a case can slip into an e-mail: a URN at most, and only to someone who may open the case.
Police contacts only ever receive police kinds, and those carry no CPS case fields at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Audience(StrEnum):
    STAFF = "staff"  # CPS staff with an account; the URN only if they may open the case
    POLICE = "police"  # a police force's named contact or liaison officer: referral references only
    ACCOUNT = "account"  # the holder of an account, about the account itself (invitation, reset)


#: Personalisation fields that name or describe a CPS case. Police kinds may carry none of them.
CASE_FIELDS = frozenset({"urn", "summary", "checkpoint", "step"})


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    audience: Audience
    fields: tuple[str, ...]
    #: The message names cases: every case id given must be visible to the recipient.
    carries_cases: bool
    when: str


KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind(
            "daily_digest",
            "Daily case progression digest",
            Audience.STAFF,
            ("name", "date", "due_today", "overdue", "ctl_soon", "summary", "link"),
            carries_cases=True,
            when="Each morning, to a caseworker or manager with something due, overdue or a custody time limit soon.",
        ),
        Kind(
            "signoff_decision",
            "Sign-off decision",
            Audience.STAFF,
            ("name", "urn", "checkpoint", "decision", "decided_by", "link"),
            carries_cases=True,
            when="When a manager approves or returns a sign-off, to the person who asked for it.",
        ),
        Kind(
            "iqa_request",
            "Individual quality assessment request",
            Audience.STAFF,
            ("name", "step", "urn", "due_date", "link"),
            carries_cases=True,
            when="When feedback is recorded (the prosecutor is asked to acknowledge it) or second marking is assigned.",
        ),
        Kind(
            "iqa_reminder",
            "Individual quality assessment reminder",
            Audience.STAFF,
            ("name", "step", "urn", "due_date", "link"),
            carries_cases=True,
            when="Once, the day after an assessment step (feedback, acknowledgement) became overdue.",
        ),
        Kind(
            "ctl_warning",
            "Custody time limit warning",
            Audience.STAFF,
            ("name", "urn", "expires_on", "days_left", "link"),
            carries_cases=True,
            when="At 28, 14 and 7 days before a custody time limit expires, to the lawyer and the legal manager.",
        ),
        Kind(
            "police_sla_breach",
            "Referral response overdue (police)",
            Audience.POLICE,
            ("contact_name", "force_name", "referral_reference", "police_reference", "overdue", "due_date", "link"),
            carries_cases=False,
            when="When a referral or action plan passes its agreed response date and is escalated to level 1.",
        ),
        Kind(
            "police_escalation",
            "Escalation moved up a level (police)",
            Audience.POLICE,
            (
                "contact_name",
                "force_name",
                "referral_reference",
                "police_reference",
                "level",
                "police_role",
                "respond_by",
                "link",
            ),
            carries_cases=False,
            when="When an unanswered escalation moves up the agreement's ladder.",
        ),
        Kind(
            "invitation",
            "Invitation to set up an account",
            Audience.ACCOUNT,
            ("name", "username", "link", "expires_at"),
            carries_cases=False,
            when="When an administrator invites a person (the link works once and expires).",
        ),
        Kind(
            "password_reset",
            "Password reset",
            Audience.ACCOUNT,
            ("name", "username", "link", "expires_at"),
            carries_cases=False,
            when="When a person asks to reset a forgotten password (the link works once and expires).",
        ),
    )
}
