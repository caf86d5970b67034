"""Finding codes and internals on a page: what a user reads should be plain English.

Looked for in the text a person reads (not in attributes, form values or scripts), outside the
"How this was worked out" details, which is where technical detail belongs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bs4 import BeautifulSoup

#: Wording with a reason, by pattern.
RAW_PATTERNS: dict[str, re.Pattern[str]] = {
    "a rule version label (ctl.crown@2021-06-28)": re.compile(r"\b[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+@[\w.-]+"),
    "an ISO date (2026-12-08)": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "a code with underscores (pre_charge)": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
    "a plural in brackets (case(s))": re.compile(r"\w\(s\)"),
    "a statistical test's name": re.compile(r"z-test|chi-squared|p-value|Wilcoxon|Mann-Whitney|binomial test", re.I),
    "an internal figure (weighted points)": re.compile(r"weighted points"),
    "“no data of 0”": re.compile(r"no data of"),
    "“allocated lawyer” (the CPS says prosecutor)": re.compile(r"allocated lawyer", re.I),
    "“Not allocated” (the CPS says Unassigned)": re.compile(r"\bNot allocated\b"),
    "a random seed": re.compile(r"\bseed\b", re.I),
}


def readable_text(html: str) -> str:
    """The text a person reads on the page, without the technical details they open on purpose."""
    soup = BeautifulSoup(html, "html.parser")
    # <code> marks literal text a person has to type (a file's column names, an input's syntax);
    # data-recorded marks text shown exactly as the audit trail recorded it (it cannot be reworded).
    for tag in soup.find_all(["script", "style", "textarea", "title", "code"]):
        tag.decompose()
    for tag in soup.find_all(attrs={"data-recorded": True}):
        tag.decompose()
    for details in soup.find_all("details"):
        summary = details.find("summary")
        if summary and "How this was worked out" in summary.get_text():
            details.decompose()
    return soup.get_text(" ")


def raw_codes_in(html: str, codes: Iterable[str] = ()) -> list[str]:
    """Each code or internal found, with what it is and the text around it."""
    text = readable_text(html)
    found = []
    for what, pattern in RAW_PATTERNS.items():
        for match in pattern.finditer(text):
            found.append(f"{what}: …{_around(text, match.start(), match.end())}…")
    for code in codes:
        for match in re.finditer(rf"(?<![\w./-]){re.escape(code)}(?![\w/-])", text):
            found.append(f"a reference code ({code}): …{_around(text, match.start(), match.end())}…")
    return found


def _around(text: str, start: int, end: int) -> str:
    return re.sub(r"\s+", " ", text[max(start - 40, 0) : end + 40]).strip()
