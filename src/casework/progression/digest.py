"""Notifications: in-app notices (marking them read) and the daily digest e-mail.

The digest tells each person what is due today, what is overdue, which custody time limits on
their cases expire within 14 days, and which notices arrived since their last digest. It is sent
at most once per person per day: a sent digest is remembered as a (read) notice with the key
`digest:<date>`, which is also how "since the last digest" is measured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases.models import Case
from casework.core import clock
from casework.core.errors import NotFound
from casework.core.working_days import fmt, long_date
from casework.people.choices import CASEWORKER_ROLES, UNIT_MANAGER_ROLES
from casework.people.models import User
from casework.progression import emails, selectors
from casework.progression.models import CtlFailure, CustodyClock, Notice

DIGEST_KEY_PREFIX = "digest:"
CTL_DIGEST_DAYS = 14


# --- in-app notices ----------------------------------------------------------------------------


def notices_for(*, user: Any) -> QuerySet[Notice]:
    """The user's notices, newest first (the digest's own bookkeeping notices are not shown)."""
    return (
        Notice.objects.filter(user=user)
        .exclude(key__startswith=DIGEST_KEY_PREFIX)
        .filter(Q(case__isnull=True) | Q(case__in=Case.objects.visible_to(user)))
        .select_related("case")
        .order_by("-created_at", "-id")
    )


#: What the notices page and its CSV read of a notice and its case.
NOTICE_PAGE_FIELDS = (
    "id",
    "user_id",
    "case_id",
    "text",
    "key",
    "event",
    "due_on",
    "subjects",
    "created_at",
    "read_at",
    "case__id",
    "case__urn",
)


def notices_filtered(
    *, user: Any, unread: bool = False, events: list[str] | None = None, urn_prefix: str = ""
) -> QuerySet[Notice]:
    """The user's notices narrowed by the notices page's filters (each given filter must hold)."""
    notices = notices_for(user=user)
    if unread:
        notices = notices.filter(read_at__isnull=True)
    if events:
        notices = notices.filter(event__in=events)
    if urn_prefix:
        notices = notices.filter(case__urn__startswith=urn_prefix)
    return notices


def unread_count(*, user: Any) -> int:
    return notices_for(user=user).filter(read_at__isnull=True).count()


@transaction.atomic
def notice_mark_read(*, actor: Any, notice_id: int | None = None, notice_ids: list[int] | None = None) -> int:
    """Mark one notice, several (one case and event on the notices page), or with no id all of
    them read; returns how many changed.

    A notice belongs to one person: anyone else's notice id is NotFound (and nothing is marked).
    """
    unread = notices_for(user=actor).filter(read_at__isnull=True)
    wanted = {*(notice_ids or []), *([notice_id] if notice_id is not None else [])}
    if notice_id is not None or notice_ids is not None:
        if not wanted or notices_for(user=actor).filter(pk__in=wanted).count() != len(wanted):
            raise NotFound("Notice not found.")
        unread = unread.filter(pk__in=wanted)
    # A notice's read state is the reader's own bookkeeping, not case content: no audit event.
    now = clock.now()
    changed = list(unread)
    for notice in changed:
        notice.read_at = now
        notice.save(update_fields=["read_at"])
    return len(changed)


# --- the daily digest ---------------------------------------------------------------------------


@dataclass
class Digest:
    user: Any
    today: dt.date
    due_today: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    ctl_soon: list[str] = field(default_factory=list)
    ctl_failures: list[str] = field(default_factory=list)
    new_notices: list[str] = field(default_factory=list)
    case_ids: set[int] = field(default_factory=set)

    @property
    def is_empty(self) -> bool:
        return not (self.due_today or self.overdue or self.ctl_soon or self.ctl_failures or self.new_notices)

    @property
    def subject(self) -> str:
        count = len(self.ctl_failures)
        failures = f"{count} CTL failure{'' if count == 1 else 's'}, " if count else ""
        return (
            f"Casework: {failures}{len(self.due_today)} due today, {len(self.overdue)} overdue, "
            f"{len(self.ctl_soon)} custody time limits within {CTL_DIGEST_DAYS} days"
        )

    def body(self) -> str:
        sections = [
            ("Custody time limit failures to report", self.ctl_failures),
            ("Due today", self.due_today),
            ("Overdue", self.overdue),
            (f"Custody time limits expiring within {CTL_DIGEST_DAYS} days", self.ctl_soon),
            ("New notices", self.new_notices),
        ]
        lines = [f"Daily case progression digest for {self.user.display_name}, {fmt(self.today)}.", ""]
        for title, items in sections:
            lines.append(f"{title} ({len(items)})")
            lines.extend([f"  - {item}" for item in items] or ["  None."])
            lines.append("")
        lines.append("Open Casework Assurance to see the details. This message was sent automatically.")
        return "\n".join(lines)


def _last_digest_at(user: Any) -> dt.datetime | None:
    last = Notice.objects.filter(user=user, key__startswith=DIGEST_KEY_PREFIX).order_by("-created_at").first()
    return last.created_at if last else None


def build_digest(*, user: Any, today: dt.date) -> Digest:
    digest = Digest(user=user, today=today)

    def label(case: Any, title: str, due: dt.date) -> str:
        return f"{case.urn if case else 'General'}: {title} (due {fmt(due)})"

    for task in selectors.tasks_for_user(user=user).filter(due_on__lte=today):
        target = digest.due_today if task.due_on == today else digest.overdue
        target.append(label(task.case, task.title, task.due_on))
        if task.case_id:
            digest.case_ids.add(task.case_id)
    for deadline in selectors.open_deadlines_for_user(user=user).filter(due_on__lte=today):
        target = digest.due_today if deadline.due_on == today else digest.overdue
        target.append(label(deadline.case, deadline.title, deadline.due_on))
        digest.case_ids.add(deadline.case_id)
    own = Q(allocated_lawyer=user) | Q(deputy_lawyer=user) | Q(legal_manager=user)
    for ctl in (
        CustodyClock.objects.filter(
            case__in=Case.objects.visible_to(user).filter(own),
            status__in=["running", "expired"],
            expires_on__lte=today + dt.timedelta(days=CTL_DIGEST_DAYS),
        )
        .select_related("case")
        .order_by("expires_on", "id")
    ):
        expires: dt.date = ctl.expires_on  # type: ignore[assignment]  # filtered by date above
        days = (expires - today).days
        when = f"{days} days left" if days >= 0 else f"expired {-days} days ago"
        digest.ctl_soon.append(f"{ctl.case.urn}: expires {fmt(expires)} ({when})")
        digest.case_ids.add(ctl.case_id)
    since = _last_digest_at(user)
    failures = CtlFailure.objects.filter(
        case__in=Case.objects.visible_to(user).filter(own), withdrawn_at__isnull=True
    ).select_related("case")
    if since is not None:
        failures = failures.filter(recorded_at__gt=since)
    for failure in failures.order_by("-expired_on", "id"):
        digest.ctl_failures.append(
            f"{failure.case.urn}: the custody time limit expired on {long_date(failure.expired_on)} while the "
            "defendant was in custody"
        )
        digest.case_ids.add(failure.case_id)
    notices = notices_for(user=user).filter(read_at__isnull=True)
    if since is not None:
        notices = notices.filter(created_at__gt=since)
    for notice in notices[:50]:
        if notice.text in digest.new_notices:
            continue  # the same case and event told once (older notices were one per charge)
        digest.new_notices.append(notice.text)
        if notice.case_id:
            digest.case_ids.add(notice.case_id)
    return digest


def digest_recipients() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, roles__code__in=CASEWORKER_ROLES | UNIT_MANAGER_ROLES)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


@dataclass
class DigestRun:
    today: dt.date
    sent: list[str] = field(default_factory=list)
    already_sent: int = 0
    empty: int = 0
    previews: list[tuple[str, str, str]] = field(default_factory=list)  # (to, subject, body) on a dry run


def _send_once(user: Any, today: dt.date, digest: Digest) -> bool:
    """Record the digest as sent today, with its s.62 disclosure event, and send it; False if it
    already was. The record is made first, in the same transaction as the sending: a second
    worker waits on the unique key and then finds it taken, and a failed send rolls it back so
    the next run tries again."""
    try:
        with transaction.atomic():
            Notice.objects.create(
                user=user,
                key=f"{DIGEST_KEY_PREFIX}{today.isoformat()}",
                text=f"Daily digest e-mailed on {fmt(today)}.",
                created_at=clock.now(),
                read_at=clock.now(),
            )
            audit.record_many(
                actor=None,
                events=[
                    audit.PendingEvent(
                        action=Action.DISCLOSE,
                        subject_type="cases.case",
                        subject_id=str(case_id),
                        case_id=case_id,
                        subject_label="Daily progression digest",
                        justification="Daily progression digest to the person responsible",
                        recipient=user.email,
                    )
                    for case_id in sorted(digest.case_ids)
                ]
                or [
                    audit.PendingEvent(
                        action=Action.DISCLOSE,
                        subject_type="progression.digest",
                        subject_label="Daily progression digest",
                        justification="Daily progression digest to the person responsible",
                        recipient=user.email,
                    )
                ],
            )
            emails.digest(user=user, digest=digest, today=today)  # queued; the worker sends it
    except IntegrityError:
        return False
    return True


def send_digests(*, today: dt.date | None = None, dry_run: bool = False) -> DigestRun:
    """Build and e-mail each person's digest, once per day; empty digests are not sent."""
    today = today or clock.today()
    run = DigestRun(today=today)
    key = f"{DIGEST_KEY_PREFIX}{today.isoformat()}"
    done = set(Notice.objects.filter(key=key).values_list("user_id", flat=True))
    for user in digest_recipients():
        if user.pk in done:
            run.already_sent += 1
            continue
        digest = build_digest(user=user, today=today)
        if digest.is_empty:
            run.empty += 1
            continue
        if dry_run:
            run.previews.append((user.email, digest.subject, digest.body()))
            continue
        if not _send_once(user, today, digest):
            run.already_sent += 1
            continue
        run.sent.append(user.email)
    return run
