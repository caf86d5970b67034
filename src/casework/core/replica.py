"""Reading dashboards, reports and exports from a PostgreSQL streaming replica.

With DATABASE_REPLICA_URL set, settings add a `replica` database and this router. A request is
served from the replica only when all of these hold; otherwise everything stays on the primary:

- it is a GET or HEAD of a page named in REPLICA_READ_ROUTES (dashboards, reports, exports);
- the person has written nothing in the last REPLICA_PIN_SECONDS (a write sets a cookie that pins
  them to the primary, so they read their own writes), and nothing in this request has written;
- the replica answered its health check (cached for REPLICA_CHECK_SECONDS per process) and its
  replay is at most REPLICA_MAX_LAG_SECONDS behind. A replica that is down or lagging is left
  alone until the next check: failover to the primary is automatic, and so is the way back.

The page then says "figures as at" the replica's last replayed transaction (`replica_as_of` in the
template context), since the replica may be that far behind.

Every write goes to the primary whatever the request, and migrations run only there.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

from casework.core import clock

logger = logging.getLogger("casework.replica")

PRIMARY = "default"
#: Set on a response after a write: reads stay on the primary until it expires.
PIN_COOKIE = "casework_primary"

#: The alias this request's reads may use (None: the primary), and whether it has written.
_reading_from: contextvars.ContextVar[str | None] = contextvars.ContextVar("casework_replica_reads", default=None)
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("casework_replica_wrote", default=False)
#: How many transactions were open on the primary when the request chose the replica (tests run
#: inside one): a transaction opened after that is a write's, and its reads must see the primary.
_open_at_start: contextvars.ContextVar[int] = contextvars.ContextVar("casework_replica_depth", default=0)


@dataclass(frozen=True)
class ReplicaStatus:
    up: bool
    replayed_at: dt.datetime | None  # the commit time of the last transaction the replica replayed
    lag_seconds: float | None
    checked: float  # time.monotonic() of the check
    reason: str = ""

    @property
    def usable(self) -> bool:
        return self.up and self.lag_seconds is not None and self.lag_seconds <= max_lag_seconds()


_status: ReplicaStatus | None = None


def alias() -> str:
    """The replica's database alias (settings add `replica` when DATABASE_REPLICA_URL is set)."""
    return str(getattr(settings, "REPLICA_DATABASE", "replica"))


def configured() -> bool:
    return alias() in connections.settings and bool(getattr(settings, "REPLICA_READS", True))


def max_lag_seconds() -> float:
    return float(getattr(settings, "REPLICA_MAX_LAG_SECONDS", 300))


def check(*, force: bool = False) -> ReplicaStatus:
    """The replica's health and lag, asked at most every REPLICA_CHECK_SECONDS (per process)."""
    global _status
    now = time.monotonic()
    if (
        not force
        and _status is not None
        and now - _status.checked < float(getattr(settings, "REPLICA_CHECK_SECONDS", 5))
    ):
        return _status
    try:
        with connections[alias()].cursor() as cursor:
            # On a replica with nothing to replay since start the replay time is that of the last
            # commit seen; an idle primary makes it old: lag is measured from it all the same.
            cursor.execute("SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp(), now()")
            in_recovery, replayed_at, server_now = cursor.fetchone()
    except Exception as error:  # any failure to ask it (refused, timed out, misconfigured): not used
        connections[alias()].close()  # a fresh connection at the next check
        logger.warning("The read replica is not answering; reading from the primary: %s", error)
        _status = ReplicaStatus(False, None, None, now, reason=f"down: {type(error).__name__}")
        return _status
    if not in_recovery:
        _status = ReplicaStatus(False, None, None, now, reason="not a replica (not in recovery)")
    elif replayed_at is None:
        _status = ReplicaStatus(False, None, None, now, reason="nothing replayed yet")
    else:
        lag = max(0.0, (server_now - replayed_at).total_seconds())
        _status = ReplicaStatus(True, replayed_at, lag, now, reason="" if lag <= max_lag_seconds() else "lagging")
    return _status


def forget_status() -> None:
    """Check again at the next request (tests, and after changing the replica's settings)."""
    global _status
    _status = None


class ReplicaRouter:
    """Reads go to the replica only inside a request the middleware chose; writes never do."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return reading_from() if _reading_from.get() else None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        _wrote.set(True)  # read-your-writes: the rest of this request reads from the primary
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != alias()


def _eligible(request: HttpRequest) -> bool:
    if request.method not in {"GET", "HEAD"} or request.COOKIES.get(PIN_COOKIE):
        return False
    match = request.resolver_match
    return match is not None and match.view_name in set(getattr(settings, "REPLICA_READ_ROUTES", ()))


class ReplicaReadsMiddleware:
    """Chooses the database a request reads from (see the module docstring). Place it after the
    authentication middleware: the session and the person are read from the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        wrote = _wrote.set(False)
        reading = _reading_from.set(None)
        depth = _open_at_start.set(0)
        try:
            response = self.get_response(request)
            # A form sent (a change, an export's disclosure): this person's next pages read from the
            # primary for a while, so they see what they just did. A page's own audit event is not that.
            pin = int(getattr(settings, "REPLICA_PIN_SECONDS", 30))
            if request.method not in {"GET", "HEAD", "OPTIONS"} and configured() and pin > 0:
                response.set_cookie(
                    PIN_COOKIE, "1", max_age=pin, httponly=True, samesite="Lax", secure=request.is_secure()
                )
            return response
        finally:
            _reading_from.reset(reading)
            _wrote.reset(wrote)
            _open_at_start.reset(depth)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        if not configured() or not _eligible(request):
            return
        # The session and the person are read now, from the primary: a session made a moment ago
        # may not have reached the replica yet.
        user = getattr(request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 - loads the session and the user
        status = check()
        if status.usable:
            _open_at_start.set(len(connections[PRIMARY].atomic_blocks))
            _reading_from.set(alias())
            request.replica_as_of = status.replayed_at  # type: ignore[attr-defined]


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the instant the replica's figures describe, when this page read from it."""
    as_of = getattr(request, "replica_as_of", None)
    return {"replica_as_of": clock.local(as_of) if as_of else None}


def reading_from() -> str:
    """The alias reads go to now: the replica only in a request the middleware chose, before it has
    written anything and outside any transaction (a write's own reads must see the primary)."""
    chosen = _reading_from.get()
    if chosen is None or _wrote.get() or len(connections[PRIMARY].atomic_blocks) > _open_at_start.get():
        return PRIMARY
    return chosen
