"""In-app notices: how the engine words them (one per case and event, naming the defendants and
charges) and how a person's notices page groups them by urgency, with what needs attention first.

Custody time limits are kept per defendant and charge, so one event on a case (its limits expire
on 14 May) concerns many clocks. A notice is about the event: it is keyed on the case and the
date, and names every defendant and charge it covers. Notices written before that rule (one per
charge, identical text) are coalesced when read: the page shows one item per case and event and
"mark as read" marks them all. Read-time coalescing was chosen over rewriting the rows in a
migration because it loses nothing (every notice stays as it was written) and it also folds any
duplicate a future code path might create.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from casework.cases.models import Case
from casework.core.working_days import fmt
from casework.progression import counts
from casework.progression.choices import NoticeEvent
from casework.progression.models import CustodyClock, Notice

#: How many charges a notice's one-line text names before it says "and N more" (the page lists all).
TEXT_CHARGES = 3

# --- writing: who and what a notice is about -----------------------------------------------------


def subjects_of(clocks: Iterable[CustodyClock]) -> list[dict[str, Any]]:
    """The defendants and charges of some custody clocks, in defendant order: what a notice names.
    The clocks must come with `charge__defendant` loaded."""
    by_defendant: dict[str, list[str]] = defaultdict(list)
    for clock in sorted(clocks, key=lambda c: (c.charge.defendant.last_name, c.charge.defendant_id, c.charge_id)):
        charges = by_defendant[str(clock.charge.defendant)]
        if clock.charge.offence not in charges:
            charges.append(clock.charge.offence)
    return [{"defendant": name, "charges": charges} for name, charges in by_defendant.items()]


def merge_subjects(first: Sequence[dict[str, Any]], second: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Both lists' defendants and charges, each once (a notice told of one more charge)."""
    merged: dict[str, list[str]] = {}
    for subject in [*first, *second]:
        charges = merged.setdefault(subject["defendant"], [])
        charges.extend(c for c in subject["charges"] if c not in charges)
    return [{"defendant": name, "charges": charges} for name, charges in merged.items()]


def describe(subjects: Sequence[dict[str, Any]]) -> str:
    """ "Jo BLOGGS (murder; robbery) and Sam SMITH (robbery)", with at most TEXT_CHARGES charges named."""
    parts: list[str] = []
    named = 0
    total = sum(len(s["charges"]) for s in subjects)
    for subject in subjects:
        room = max(TEXT_CHARGES - named, 0)
        shown = subject["charges"][:room]
        named += len(shown)
        parts.append(f"{subject['defendant']} ({'; '.join(shown)})" if shown else subject["defendant"])
    text = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else ""
    if total > named:
        text += f", and {total - named} more charge{'s' if total - named != 1 else ''}"
    return text


def _charge_count(subjects: Sequence[dict[str, Any]]) -> str:
    total = sum(len(s["charges"]) for s in subjects)
    return f"{total} charge{'s' if total != 1 else ''}"


def ctl_warning_key(case_id: int, expires: dt.date, threshold: int) -> str:
    return f"ctl-case:{case_id}:{expires.isoformat()}:{threshold}"


def legacy_ctl_warning_keys(clocks: Iterable[CustodyClock], expires: dt.date, threshold: int) -> list[str]:
    """The keys the one-per-charge notices had: a person who has one is not told again."""
    return [f"ctl:{clock.pk}:{expires.isoformat()}:{threshold}" for clock in clocks]


def ctl_warning_text(urn: str, expires: dt.date, days_left: int, subjects: Sequence[dict[str, Any]]) -> str:
    return (
        f"{urn}: custody time limit expires {fmt(expires)} ({days_left} days) on {_charge_count(subjects)}: "
        f"{describe(subjects)}."
    )[:300]


def ctl_failure_key(case_id: int, expired_on: dt.date) -> str:
    return f"ctl-failure-case:{case_id}:{expired_on.isoformat()}"


def legacy_ctl_failure_keys(clock_ids: Iterable[int], expired_on: dt.date) -> list[str]:
    return [f"ctl-failure:{clock_id}:{expired_on.isoformat()}" for clock_id in clock_ids]


def ctl_failure_text(urn: str, expired_on: dt.date, subjects: Sequence[dict[str, Any]]) -> str:
    return (
        f"{urn}: custody time limit failure. The limit expired on {fmt(expired_on)} while in custody "
        f"({describe(subjects)}). Report it and record what happened."
    )[:300]


def extension_undecided_key(application_id: int, hearing_on: dt.date) -> str:
    return f"extension-undecided:{application_id}:{hearing_on.isoformat()}"


def extension_undecided_text(urn: str, hearing_on: dt.date, subjects: Sequence[dict[str, Any]]) -> str:
    return (
        f"{urn}: the application to extend the custody time limit was due to be heard on {fmt(hearing_on)} and no "
        f"decision is recorded ({describe(subjects)}). Record the outcome: the limit may already have expired."
    )[:300]


def notice_for(
    *,
    user_id: int,
    case_id: int | None,
    key: str,
    event: str,
    text: str,
    now: dt.datetime,
    due_on: dt.date | None = None,
    subjects: Sequence[dict[str, Any]] = (),
) -> Notice:
    """An unsaved notice (the sweep writes them in bulk; services through `notice_record`)."""
    return Notice(
        user_id=user_id,
        case_id=case_id,
        key=key[:160],
        event=event,
        text=text[:300],
        due_on=due_on,
        subjects=list(subjects),
        created_at=now,
    )


def notice_record(notice: Notice) -> Notice:
    """Save a notice unless the person has one with its key; if they have, it takes on any
    defendant or charge the new one adds (a second charge's limit failing on the same day) and the
    new one's wording, which the caller made from the merged list."""
    existing = Notice.objects.filter(user_id=notice.user_id, key=notice.key).first()
    if existing is None:
        notice.save()
        return notice
    merged = merge_subjects(existing.subjects, notice.subjects)
    if merged != existing.subjects:
        existing.subjects, existing.text = merged, notice.text
        existing.save(update_fields=["subjects", "text"])
    return existing


# --- reading: the notices page -------------------------------------------------------------------

#: The urgency groups, most urgent first: (slug, heading).
URGENCY_GROUPS = (
    ("overdue", "Overdue"),
    ("week", "Due within 7 days"),
    ("month", "Due within 28 days"),
    ("other", "Other"),
)
#: Events about something that has already happened or passed: always "Overdue".
_PAST_EVENTS = {NoticeEvent.CTL_FAILURE, NoticeEvent.EXTENSION_UNDECIDED, NoticeEvent.TASK_ESCALATED}
_CTL_EVENTS = {NoticeEvent.CTL_WARNING, NoticeEvent.CTL_FAILURE, NoticeEvent.EXTENSION_UNDECIDED}


@dataclass(frozen=True)
class Flag:
    """Why an item stands out: a GOV.UK tag (red for a problem now, orange for a check not done)."""

    label: str
    colour: str


@dataclass
class NoticeItem:
    """One case and event on the notices page: one notice, or old duplicates coalesced."""

    notices: list[Notice]
    flags: list[Flag] = field(default_factory=list)

    @property
    def latest(self) -> Notice:
        return self.notices[0]

    @property
    def ids(self) -> list[int]:
        return [n.pk for n in self.notices]

    @property
    def unread(self) -> bool:
        return any(n.read_at is None for n in self.notices)

    @property
    def subjects(self) -> list[dict[str, Any]]:
        merged: list[dict[str, Any]] = []
        for notice in reversed(self.notices):  # oldest first: charges in the order they were told
            merged = merge_subjects(merged, notice.subjects or [])
        return merged

    @property
    def stands_out(self) -> bool:
        return bool(self.flags)


@dataclass
class NoticeGroup:
    slug: str
    heading: str
    items: list[NoticeItem]
    #: How many items the page shows (None: all, as the CSV has).
    limit: int | None = None

    @property
    def unread(self) -> int:
        return sum(1 for item in self.items if item.unread)

    @property
    def rows(self) -> list[NoticeItem]:
        """The items shown: the group's most urgent `limit`, in its order."""
        return self.items if self.limit is None else self.items[: self.limit]

    @property
    def hidden(self) -> int:
        return len(self.items) - len(self.rows)


def _event_key(notice: Notice) -> tuple[Any, ...]:
    """What makes two notices the same case and event. Engine notices with an event and a date are
    the same event whatever their threshold wording; others only when their text is identical."""
    if notice.event and notice.due_on is not None:
        return (notice.case_id, notice.event, notice.due_on)
    return (notice.case_id, notice.event, notice.text)


def coalesce(notices: Iterable[Notice]) -> list[NoticeItem]:
    """One item per case and event, newest notice first within each, in the order first seen."""
    items: dict[tuple[Any, ...], NoticeItem] = {}
    for notice in sorted(notices, key=lambda n: (n.created_at, n.pk), reverse=True):
        key = _event_key(notice)
        if key in items:
            items[key].notices.append(notice)
        else:
            items[key] = NoticeItem([notice])
    return list(items.values())


def urgency(notice: Notice, today: dt.date) -> str:
    """The urgency group's slug for a notice."""
    if notice.event in _PAST_EVENTS:
        return "overdue"
    if notice.due_on is None:
        return "other"
    days = (notice.due_on - today).days
    if days < 0:
        return "overdue"
    if days <= counts.CTL_URGENT_DAYS:
        return "week"
    if days <= counts.CTL_WINDOWS[0]:
        return "month"
    return "other"


@dataclass(frozen=True)
class CaseFlags:
    """Each case's state that makes its notices stand out, read now (not when the notice was written)."""

    urgent_ctl: dict[int, int]  # case -> days left on its nearest running limit within 7 days
    not_dual_checked: set[int]  # a running limit within 28 days not checked by a second person
    extension_undecided: set[int]  # an extension hearing date passed with no decision


def case_flags(*, cases: Any, today: dt.date) -> CaseFlags:
    """From the progression figures' own selectors, so the notices agree with the board and overviews.
    `cases` is already narrowed by `Case.objects.visible_to(reader)`."""
    urgent: dict[int, int] = {}
    for case_id, expires in counts.ctl_expiring(
        cases=cases, today=today, within_days=counts.CTL_URGENT_DAYS
    ).values_list("case_id", "expires_on"):
        if expires is not None:  # the selector filters on the date; mypy cannot see it
            urgent[case_id] = min(urgent.get(case_id, 999), (expires - today).days)
    unchecked = set(counts.ctl_not_dual_checked(cases=cases, today=today).values_list("case_id", flat=True))
    undecided = set(
        counts.extensions_undecided_after_hearing(cases=cases, today=today).values_list("clock__case_id", flat=True)
    )
    return CaseFlags(urgent, unchecked, undecided)


def flags_for(item: NoticeItem, state: CaseFlags) -> list[Flag]:
    notice = item.latest
    case_id = notice.case_id
    if case_id is None or notice.event not in _CTL_EVENTS:
        return []
    flags: list[Flag] = []
    if case_id in state.urgent_ctl:
        days = state.urgent_ctl[case_id]
        flags.append(Flag(f"Custody time limit: {days} day{'s' if days != 1 else ''} left", "red"))
    if case_id in state.extension_undecided:
        flags.append(Flag("Extension hearing passed: no decision recorded", "red"))
    if case_id in state.not_dual_checked:
        flags.append(Flag("Not dual-checked", "orange"))
    return flags


def notice_groups(*, notices: Iterable[Notice], state: CaseFlags, today: dt.date) -> list[NoticeGroup]:
    """The notices by urgency, most urgent group first; in each, items that stand out first (red
    before orange), then unread, then by the date they are about, then newest."""
    grouped: dict[str, list[NoticeItem]] = {slug: [] for slug, _ in URGENCY_GROUPS}
    for item in coalesce(notices):
        item.flags = flags_for(item, state)
        grouped[urgency(item.latest, today)].append(item)

    def order(item: NoticeItem) -> tuple[Any, ...]:
        reds = sum(1 for f in item.flags if f.colour == "red")
        due = item.latest.due_on or dt.date.max
        return (-reds, -len(item.flags), not item.unread, due, -item.latest.created_at.timestamp())

    return [NoticeGroup(slug, heading, sorted(grouped[slug], key=order)) for slug, heading in URGENCY_GROUPS]


def visible_cases(*, user: Any, case_ids: Iterable[int]) -> Any:
    """The cases among `case_ids` the reader may see now (flags and links come only from these)."""
    return Case.objects.visible_to(user).filter(pk__in=set(case_ids))
