"""Who may receive which kind of e-mail: pure checks, facts in, a refusal reason (or None) out."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from casework.notifications.catalogue import CASE_FIELDS, Audience, Kind

#: Minutes to wait before each retry of a message that failed for a passing reason.
RETRY_BACKOFF_MINUTES = (1, 5, 15, 60, 180)
MAX_ATTEMPTS = len(RETRY_BACKOFF_MINUTES) + 1


def refusal_reason(
    *,
    kind: Kind,
    fields: Iterable[str],
    recipient_is_police: bool,
    recipient_active: bool,
    recipient_force_id: int | None,
    subject_force_id: int | None,
    case_ids: Collection[int],
    visible_case_ids: Collection[int],
) -> str | None:
    """Why this message must not be sent to this recipient, or None when it may."""
    given = set(fields)
    if given != set(kind.fields):
        unexpected = sorted(given - set(kind.fields))
        missing = sorted(set(kind.fields) - given)
        return f"Personalisation does not match the {kind.code} template (unexpected {unexpected}, missing {missing})."
    if not recipient_active:
        return "The recipient's account is not active."
    if kind.audience == Audience.POLICE:
        if not recipient_is_police:
            return "Police notices go only to a police force's contact."
        if CASE_FIELDS & given:
            return "A police notice may not carry CPS case fields."
        if subject_force_id is None or recipient_force_id != subject_force_id:
            return "The recipient does not act for the force this notice is about."
    if kind.audience == Audience.STAFF and recipient_is_police:
        return "Police contacts never receive CPS case notices."
    if kind.carries_cases:
        if "urn" in given and not case_ids:
            return "A notice that gives a URN must name the case it is about."
        hidden = set(case_ids) - set(visible_case_ids)
        if hidden:
            return f"The recipient may not open {len(hidden)} of the cases named."
    return None


def retry_delay_minutes(attempts: int) -> int | None:
    """Minutes until the next try after `attempts` failed tries; None when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return RETRY_BACKOFF_MINUTES[min(attempts, len(RETRY_BACKOFF_MINUTES)) - 1]
