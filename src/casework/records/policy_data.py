"""The default retention schedule (version 1), loaded by migration 0002.

Every period here is a default chosen for this service and marked local policy: the CPS's own
records retention schedule is not reproduced in public material, so a deployment must check each
row against its schedule and publish its own version (a new version with its effective date;
`casework retention schedule` prints what is in force).

A due date only starts a review: nothing is disposed of until a records officer approves it (or the
worker disposes of what they approved). So where the right period was uncertain the shorter one was
taken, giving the earlier review (DPA 2018 s.39: no longer than necessary); the reviewer keeps a
record longer, with a reason, where it is still needed, and a legal hold stops disposal outright.
"""

from __future__ import annotations

import datetime as dt

from casework.records.choices import DisposalAction, RecordType, Trigger

EFFECTIVE_FROM = dt.date(2026, 1, 1)
LOCAL = "Local policy (default for this service; check against your records retention schedule)"

#: (code, record type, case outcome or "", months, trigger, action, source, explanation)
DEFAULT_SCHEDULE: tuple[tuple[str, str, str, int, str, str, str, str], ...] = (
    (
        "case-file-convicted-all",
        RecordType.CASE_FILE,
        "convicted_all",
        84,
        Trigger.FINALISED,
        DisposalAction.ERASE,
        LOCAL,
        "Convictions: kept long enough for appeals out of time, reviews of the conviction and confiscation "
        "enforcement.",
    ),
    (
        "case-file-convicted-some",
        RecordType.CASE_FILE,
        "convicted_some",
        84,
        Trigger.FINALISED,
        DisposalAction.ERASE,
        LOCAL,
        "As for a conviction on every count.",
    ),
    (
        "case-file-acquitted",
        RecordType.CASE_FILE,
        "acquitted",
        36,
        Trigger.FINALISED,
        DisposalAction.ERASE,
        LOCAL,
        "Acquittals: kept for complaints, civil claims and the time a retrial application could take.",
    ),
    (
        "case-file-discontinued",
        RecordType.CASE_FILE,
        "discontinued",
        36,
        Trigger.FINALISED,
        DisposalAction.ERASE,
        LOCAL,
        "Discontinued cases: kept in case proceedings are reinstituted or the decision is reviewed (Victims' "
        "Right to Review).",
    ),
    (
        "case-file-nfa",
        RecordType.CASE_FILE,
        "nfa",
        36,
        Trigger.FINALISED,
        DisposalAction.ERASE,
        LOCAL,
        "No further action: as for a discontinued case.",
    ),
    (
        "case-file-other",
        RecordType.CASE_FILE,
        "",
        72,
        Trigger.FINALISED,
        DisposalAction.ERASE,
        LOCAL,
        "Any other outcome, or none recorded: kept six years.",
    ),
    (
        "referral-not-accepted",
        RecordType.REFERRAL_NOT_ACCEPTED,
        "",
        24,
        Trigger.DECIDED,
        DisposalAction.ERASE,
        LOCAL,
        "Referrals the unit declined or sent elsewhere: kept two years for the force relationship and escalations.",
    ),
    (
        "early-advice",
        RecordType.EARLY_ADVICE,
        "",
        36,
        Trigger.RESPONDED,
        DisposalAction.ERASE,
        LOCAL,
        "Early investigative advice not followed by a case: kept three years.",
    ),
    (
        "iqa",
        RecordType.IQA,
        "",
        36,
        Trigger.CLOSED,
        DisposalAction.REVIEW,
        LOCAL,
        "Individual Quality Assessments are staff performance records: reviewed by hand after three years.",
    ),
    (
        "time-records",
        RecordType.TIME_RECORDS,
        "",
        24,
        Trigger.WEEK,
        DisposalAction.ERASE,
        LOCAL,
        "Time recorded against cases (REM): two years, enough for the resourcing model's history.",
    ),
    (
        "staff-records",
        RecordType.STAFF_RECORDS,
        "",
        72,
        Trigger.LEFT,
        DisposalAction.REVIEW,
        LOCAL,
        "Staff records after leaving: six years (the limitation period for most civil claims); reviewed by "
        "hand, since their names stay in the audit trail as the people who acted.",
    ),
    (
        "audit-events",
        RecordType.AUDIT_EVENTS,
        "",
        24,
        Trigger.OCCURRED,
        DisposalAction.ARCHIVE,
        "Government security logging guidance: at least six months, typically up to two years; DPA 2018 s.62",
        "The audit trail is archived (`casework audit export`), never deleted by the service: deleting events "
        "would break the chain that proves it has not been altered.",
    ),
    (
        "import-reports",
        RecordType.EXPORTS,
        "",
        12,
        Trigger.FINISHED,
        DisposalAction.ERASE,
        LOCAL,
        "Import run reports keep the values of refused spreadsheet cells (names, dates): blanked after a year. "
        "Exports themselves are downloads the service does not keep; the audit trail records each one.",
    ),
)
