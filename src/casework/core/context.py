"""Per-request facts the audit trail records (request id, client address).

Kept in a context variable so services can reach them without every call passing the request.
Outside a request (commands, the worker) the values say so.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    client_address: str
    channel: str  # "web", "api", "cli", "worker"


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("casework_request", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        return RequestContext(request_id="", client_address="", channel="cli")
    return ctx


def activate(ctx: RequestContext) -> contextvars.Token[RequestContext | None]:
    return _current.set(ctx)


def deactivate(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)


# --- reads logged during this request --------------------------------------------------------------
# The audit trail notes each consultation it writes ("case:42", "partners.referral:7"), so the
# read-log middleware can tell which records a page showed without logging (core.read_log).

_reads: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("casework_reads", default=None)


def begin_reads() -> contextvars.Token[set[str] | None]:
    return _reads.set(set())


def end_reads(token: contextvars.Token[set[str] | None]) -> None:
    _reads.reset(token)


def note_read(key: str) -> None:
    noted = _reads.get()
    if noted is not None:
        noted.add(key)


def note_reads(kind: str, object_ids: Iterable[object]) -> None:
    """note_read for many records of one kind at once (an export names up to 100,000 cases)."""
    noted = _reads.get()
    if noted is not None:
        noted.update([f"{kind}:{object_id}" for object_id in object_ids])


def reads_noted() -> frozenset[str]:
    return frozenset(_reads.get() or ())
