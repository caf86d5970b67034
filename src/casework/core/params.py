"""Reading numbers from query strings safely: a huge or malformed value is "not given", never a
database error (an id must fit a 64-bit column; a page number is bounded so OFFSET cannot overflow)."""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1
#: Beyond this a page number is not a real page of any list (50 rows a page: 50 million rows).
MAX_PAGE = 1_000_000


def id_param(value: Any) -> int | None:
    """A record id from a query parameter, or None for anything that cannot be one."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def page_param(value: Any) -> int:
    """A page number from 1 to MAX_PAGE (1 for anything else)."""
    number = id_param(value)
    return min(number, MAX_PAGE) if number else 1


def safe_next(request: Any, value: Any, default: str) -> str:
    """A `next` address to go back to after a form: only a path on this site, never elsewhere
    (an open redirect would let a link on our domain lead to a look-alike sign-in page)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = str(value or "")
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default
