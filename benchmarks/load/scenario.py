"""The load scenario's pure parts: page types, reading pages the way a browser would, outcomes.

Standard library only. The locust file imports this module under gevent's monkeypatching, and the
report and the tests import it without locust, so nothing here may import Django or locust.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser

# --- page types ---------------------------------------------------------------------------------

#: Every request is reported under one of these names; the category decides which target applies.
#: "list" and "detail" pages carry the target (p95 under TARGET_P95_MS); the others are reported.
PAGE_TYPES: dict[str, str] = {
    "sign-in page": "login",
    "sign-in POST": "login",
    "API token POST": "login",
    "case list (my cases)": "list",
    "case list (unit, filtered)": "list",
    "case list (all, filtered)": "list",
    "task list": "list",
    "approvals list": "list",
    "inspection samples": "list",
    "portal home": "list",
    "API case list": "list",
    "case detail": "detail",
    "case progression": "detail",
    "case edit form": "detail",
    "portal referral": "detail",
    "portal agreement": "detail",
    "API case detail": "detail",
    "case edit POST": "write",
    "unit board": "dashboard",
    "assurance dashboard": "dashboard",
    "oversight dashboard": "dashboard",
    "case list CSV export": "export",
}
TARGET_CATEGORIES = frozenset({"list", "detail"})
TARGET_P95_MS = 300.0

#: The optimistic-lock page: the edit form shown again with what the other person changed.
CONFLICT_MARKER = "casework-conflict"
#: Appended to a case summary by the load test's edits, replaced (not stacked) on the next edit.
EDIT_MARK = re.compile(r"\s*\[load check \d+\]$")

OUTCOME_OK = "ok"
OUTCOME_CONFLICT = "conflict"
OUTCOME_ERROR = "error"


def category_of(name: str) -> str:
    return PAGE_TYPES.get(name, "other")


# --- reading pages --------------------------------------------------------------------------------

CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
PORTAL_REFERRAL_LINK = re.compile(r'href="/partners/portal/referrals/(\d+)/"')


def _unique_ints(matches: Iterable[str]) -> list[int]:
    return list(dict.fromkeys(int(value) for value in matches))


def case_ids(html: str) -> list[int]:
    """Case page links on a list page, in page order, each once."""
    return _unique_ints(CASE_LINK.findall(html))


def portal_referral_ids(html: str) -> list[int]:
    return _unique_ints(PORTAL_REFERRAL_LINK.findall(html))


@dataclass
class Form:
    """One <form>: its action and the values a browser would submit unchanged."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    #: Each <select>'s option values, for picking filters.
    options: dict[str, list[str]] = field(default_factory=dict)


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._option_value: str | None = None
        self._option_text = ""
        self._option_selected = False
        self._textarea: str | None = None
        self._textarea_text: list[str] = []

    @property
    def _form(self) -> Form | None:
        return self.forms[-1] if self.forms else None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(Form(action=attr.get("action", ""), method=attr.get("method", "get").lower()))
        form = self._form
        if form is None:
            return
        name = attr.get("name")
        if tag == "input" and name:
            kind = attr.get("type", "text").lower()
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind == "checkbox":  # a filter panel's checkbox group offers its values as choices
                form.options.setdefault(name, []).append(attr.get("value", "on"))
            if kind in {"checkbox", "radio"} and "checked" not in attr:
                return
            form.fields[name] = attr.get("value", "on" if kind in {"checkbox", "radio"} else "")
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            form.options[name] = []
        elif tag == "option" and self._select is not None:
            self._option_value = attr.get("value")
            self._option_text = ""
            self._option_selected = "selected" in attr
        elif tag == "textarea" and name:
            self._textarea, self._textarea_text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea_text.append(data)
        elif self._option_value is None and self._select is not None:
            self._option_text += data

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if form is None:
            return
        if tag == "option" and self._select is not None:
            self._close_option(form)
        elif tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                form.fields[self._select] = self._select_first  # a browser submits the first option
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._textarea_text)
            # Browsers drop the one newline that follows <textarea>; Django's widget writes it.
            form.fields[self._textarea] = text[1:] if text.startswith("\n") else text
            self._textarea = None

    def _close_option(self, form: Form) -> None:
        assert self._select is not None
        value = self._option_value if self._option_value is not None else self._option_text.strip()
        form.options[self._select].append(value)
        if self._select_first is None:
            self._select_first = value
        if self._option_selected:
            form.fields[self._select] = value
            self._select_chosen = True
        self._option_value, self._option_text, self._option_selected = None, "", False


def forms_in(html: str) -> list[Form]:
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.forms


def post_form(html: str, *, with_field: str) -> Form | None:
    """The first POST form on the page that has `with_field` (for example the case edit form's `version`)."""
    return next((f for f in forms_in(html) if f.method == "post" and with_field in f.fields), None)


def csrf_token(html: str) -> str | None:
    for form in forms_in(html):
        if token := form.fields.get("csrfmiddlewaretoken"):
            return token
    return None


def select_options(html: str, name: str) -> list[str]:
    """A filter's choices: the non-empty option values of the first <select name=...> on the page, or
    the values of its checkbox group of that name."""
    for form in forms_in(html):
        if name in form.options:
            return [value for value in form.options[name] if value]
    return []


# --- the write --------------------------------------------------------------------------------------


def edited_summary(summary: str, stamp: int) -> str:
    """The summary with a fresh check mark: a real change each time, without the text growing."""
    return f"{EDIT_MARK.sub('', summary)} [load check {stamp}]".strip()


@dataclass(frozen=True)
class EditResult:
    outcome: str
    reason: str = ""


def edit_outcome(*, status: int, location: str, body: str) -> EditResult:
    """What a case edit POST came to: saved (redirect to the case), a conflict, or an error."""
    if status in {301, 302, 303} and re.fullmatch(r"/cases/\d+/", location or ""):
        return EditResult(OUTCOME_OK)
    if status == 200 and CONFLICT_MARKER in body:
        return EditResult(OUTCOME_CONFLICT)
    if status == 200:
        return EditResult(OUTCOME_ERROR, "the form came back with errors")
    return EditResult(OUTCOME_ERROR, f"HTTP {status}")
