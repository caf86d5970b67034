"""The safety net under s.62 read logging: a page or API answer about a record is a consultation.

Views log what they read explicitly (cases.services.case_open, cases_consulted and the like). This
middleware makes it structural: when an answer that shows a record (200, or a 409 that echoes its
current values) comes from a URL naming that record (`case_id`, `referral_id`, ...), and the
request logged no read of it, a `consult` event is written for it before the answer leaves. A new
page therefore cannot show a case without the trail knowing.

Apps declare which URL arguments name their records (`register`) in their AppConfig.ready(), so
this core module imports no app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from casework.core import context

#: Answers that show a record's content.
SHOWING = frozenset({200, 409})
MAX_ID = 2**63 - 1


#: log(reader, object_id, purpose, noted): write the consult event for the record the URL argument
#: names, unless `noted` (the reads this request already logged, e.g. "case:42") covers it or the
#: reader cannot see the record.
ReadLogger = Callable[[Any, int, str, frozenset[str]], None]

_LOGGERS: dict[str, ReadLogger] = {}


def register(url_argument: str, log: ReadLogger) -> None:
    _LOGGERS[url_argument] = log


def registered() -> dict[str, ReadLogger]:
    return dict(_LOGGERS)


def _reader(request: HttpRequest) -> Any:
    auth: Any = getattr(request, "auth", None)  # the API's authenticated user
    if auth is not None and getattr(auth, "is_authenticated", False):
        return auth
    user: Any = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class ReadLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = context.begin_reads()
        try:
            response = self.get_response(request)
            if response.status_code in SHOWING:
                self._log_unlogged(request)
        finally:
            context.end_reads(token)
        return response

    def _log_unlogged(self, request: HttpRequest) -> None:
        match = request.resolver_match
        reader = _reader(request)
        if match is None or reader is None:
            return
        purpose = f"Page {match.view_name or request.path}"[:200]
        for argument, log in _LOGGERS.items():
            value = match.kwargs.get(argument)
            try:
                object_id = int(value) if value is not None else 0
            except (TypeError, ValueError):
                continue
            if 0 < object_id <= MAX_ID:
                log(reader, object_id, purpose, context.reads_noted())
