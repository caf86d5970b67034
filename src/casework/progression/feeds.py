"""Per-user iCalendar feeds behind a secret, revocable URL (RFC 5545, written by hand).

Only the SHA-256 of the token is stored, so the URL is shown once, when it is made. A feed holds
the user's open deadlines, custody time limit expiries on cases they work and hearings on cases
where they are the allocated lawyer, always filtered through Case.objects.visible_to(user): a user
who loses access to a case (or is deactivated) loses it from the feed too. Each fetch is logged as
a consultation of every case it showed. Entries name the case by URN only (no defendant names):
the feed ends up in calendar services outside the system.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases.models import Case, Hearing
from casework.core import clock
from casework.core.errors import NotFound
from casework.progression import selectors
from casework.progression.models import CalendarFeed, CustodyClock

FEED_JUSTIFICATION = "Calendar feed"
#: Hearings more than this many days ago are left out of the feed.
PAST_HEARING_DAYS = 30
PRODID = "-//Casework Assurance//Case progression//EN"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- services ----------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_create(*, actor: Any) -> tuple[CalendarFeed, str]:
    """A new feed for the actor; returns the feed and its token (shown once, never stored).

    Any previous live feed is revoked: one secret URL per person is easier to keep track of.
    """
    for feed in CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True):
        _revoke(actor, feed)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=actor, token_hash=token_hash(token), created_at=clock.now())
    audit.record(
        actor=actor,
        action=Action.PERMISSION_CHANGE,
        subject=feed,
        subject_label=f"Calendar feed {feed.pk} created",
        changes={"calendar_feed": [None, "created"]},
    )
    return feed, token


def _revoke(actor: Any, feed: CalendarFeed) -> None:
    feed.revoked_at = clock.now()
    feed.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action=Action.PERMISSION_CHANGE,
        subject=feed,
        subject_label=f"Calendar feed {feed.pk} revoked",
        changes={"calendar_feed": ["active", "revoked"]},
    )


@transaction.atomic
def calendar_feed_revoke(*, actor: Any, feed_id: int) -> CalendarFeed:
    feed = CalendarFeed.objects.filter(pk=feed_id, user=actor, revoked_at__isnull=True).first()
    if feed is None:
        raise NotFound("Calendar feed not found.")
    _revoke(actor, feed)
    return feed


def active_feed(*, user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at").first()


# --- the feed's content ------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    summary: str
    description: str
    on: dt.date | None = None  # all-day event
    starts_at: dt.datetime | None = None  # timed event (hearings)
    case_id: int | None = None


def feed_events(*, user: Any, today: dt.date) -> list[FeedEvent]:
    visible = Case.objects.visible_to(user)
    events: list[FeedEvent] = []
    for deadline in selectors.open_deadlines_for_user(user=user):
        events.append(
            FeedEvent(
                uid=f"deadline-{deadline.pk}@casework",
                summary=f"{deadline.case.urn}: {deadline.title}",
                description=f"Due {deadline.due_on.day} {deadline.due_on:%B %Y}. {deadline.basis}".strip(),
                on=deadline.due_on,
                case_id=deadline.case_id,
            )
        )
    own = Q(allocated_lawyer=user) | Q(deputy_lawyer=user) | Q(paralegal=user) | Q(legal_manager=user)
    my_cases = visible.filter(own)
    for ctl in (
        CustodyClock.objects.filter(case__in=my_cases, status="running", expires_on__isnull=False)
        .select_related("case")
        .order_by("expires_on", "id")
    ):
        expires: dt.date = ctl.expires_on  # type: ignore[assignment]  # filtered to dated clocks
        events.append(
            FeedEvent(
                uid=f"ctl-{ctl.pk}-{expires.isoformat()}@casework",
                summary=f"{ctl.case.urn}: custody time limit expires",
                description=f"Custody time limit expires {expires:%d %b %Y} (rule {ctl.rule_version}).",
                on=expires,
                case_id=ctl.case_id,
            )
        )
    since = clock.now() - dt.timedelta(days=PAST_HEARING_DAYS)
    for hearing in (
        Hearing.objects.filter(case__in=visible.filter(allocated_lawyer=user), starts_at__gte=since)
        .select_related("case")
        .order_by("starts_at", "id")
    ):
        events.append(
            FeedEvent(
                uid=f"hearing-{hearing.pk}@casework",
                summary=f"{hearing.case.urn}: {hearing.get_hearing_type_display()}",
                description=f"{hearing.get_hearing_type_display()} at {hearing.court}.",
                starts_at=hearing.starts_at,
                case_id=hearing.case_id,
            )
        )
    return events


@transaction.atomic
def calendar_feed_read(*, token: str) -> str:
    """The iCalendar text for a live token; NotFound for an unknown or revoked one.

    Logged as a consultation of each case the feed shows, by the feed's owner.
    """
    feed = (
        CalendarFeed.objects.select_related("user", "user__unit")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.user.is_active:
        raise NotFound("Calendar feed not found.")
    events = feed_events(user=feed.user, today=clock.today())
    case_ids = sorted({event.case_id for event in events if event.case_id is not None})
    urns = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "urn"))
    pending = [
        audit.PendingEvent(
            action=Action.CONSULT,
            subject_type="cases.case",
            subject_id=str(case_id),
            subject_label=urns.get(case_id, ""),
            case_id=case_id,
            justification=FEED_JUSTIFICATION,
        )
        for case_id in case_ids
    ] or [
        audit.PendingEvent(
            action=Action.CONSULT,
            subject_type="progression.calendarfeed",
            subject_id=str(feed.pk),
            subject_label="Calendar feed (no cases)",
            justification=FEED_JUSTIFICATION,
        )
    ]
    audit.record_many(actor=feed.user, events=pending)
    return render_ics(events, name=f"Casework: {feed.user.display_name}", stamp=clock.now())


# --- RFC 5545 -----------------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma and newlines."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line at `limit` octets (RFC 5545 3.1), never inside a UTF-8 character.

    Continuation lines start with one space, which counts toward their own limit.
    """
    raw = line.encode()
    if len(raw) <= limit:
        return line
    parts: list[str] = []
    start = 0
    width = limit
    while start < len(raw):
        end = min(start + width, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:  # back off to a character boundary
            end -= 1
        parts.append(raw[start:end].decode())
        start = end
        width = limit - 1
    return "\r\n ".join(parts)


def _utc(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(event: FeedEvent, stamp: str) -> Iterator[str]:
    yield "BEGIN:VEVENT"
    yield f"UID:{event.uid}"
    yield f"DTSTAMP:{stamp}"
    if event.on is not None:
        yield f"DTSTART;VALUE=DATE:{event.on:%Y%m%d}"
        yield f"DTEND;VALUE=DATE:{event.on + dt.timedelta(days=1):%Y%m%d}"
        yield "TRANSP:TRANSPARENT"
    elif event.starts_at is not None:
        yield f"DTSTART:{_utc(event.starts_at)}"
        yield "DURATION:PT1H"
    yield f"SUMMARY:{escape_text(event.summary)}"
    if event.description:
        yield f"DESCRIPTION:{escape_text(event.description)}"
    yield "END:VEVENT"


def render_ics(events: Iterable[FeedEvent], *, name: str, stamp: dt.datetime) -> str:
    stamp_text = _utc(stamp)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines.extend(_event_lines(event, stamp_text))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
