"""The exports that can be prepared in the background, each the same rows as its direct download.

A kind works out, for a user and the parameters saved on the job, whether that user may have the
list (raising Http404 or NotFound otherwise: the same answer the list's page gives) and the rows.
It is asked twice: when the job is requested, and again by the worker when it runs, so a user
who has since left, been disabled or lost the role gets no file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, QueryDict
from django.urls import reverse

from casework.assurance import dashboard as assurance_reads
from casework.assurance import exports as assurance_exports
from casework.cases import exports as case_exports
from casework.cases import views as case_views
from casework.core import clock
from casework.core.errors import NotFound
from casework.core.params import id_param


@dataclass(frozen=True)
class ExportRows:
    """What the worker writes: the header, the cases the file names (for the `disclose` event)
    and the formula-safe rows in blocks, read from the database only as they are iterated."""

    header: Sequence[str]
    sheet_title: str
    subject_type: str
    label: Callable[[str, int], str]  # (format, rows) -> the disclose event's label
    case_ids: list[int]
    blocks: Iterator[Sequence[Sequence[Any]]]


@dataclass(frozen=True)
class Request:
    title: str
    parameters: dict[str, Any]
    back_href: str


class CaseList:
    """The case lists (own, unit, national) with the filters of the page they were asked from."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def request(self, user: Any, query: QueryDict) -> Request:
        settings, form, _cleaned, _sort, _filters = case_views.list_request(user, self.scope, query)
        names = set(case_views.LIST_PARAMS) | set(form.fields)
        kept = [[key, value] for key in query for value in query.getlist(key) if key in names and value]
        back = reverse(f"cases:{self.scope}") + ("?" + urlencode([(key, value) for key, value in kept]) if kept else "")
        return Request(settings["title"], {"query": kept}, back)

    def rows(self, user: Any, parameters: dict[str, Any]) -> ExportRows:
        query = QueryDict(mutable=True)
        for key, value in parameters.get("query", []):
            query.appendlist(key, value)
        settings, *_, filters = case_views.list_request(user, self.scope, query)
        case_ids, blocks = case_exports.case_list_rows(actor=user, filters=filters)
        return ExportRows(
            header=case_exports.HEADER,
            sheet_title=settings["title"],
            subject_type=case_exports.SUBJECT_TYPE,
            label=lambda fmt, count: case_exports.disclosure_label(count, filters, fmt.upper()),
            case_ids=case_ids,
            blocks=blocks,
        )


class FailingRule:
    """The cases not meeting one assurance rule, for one unit or the user's whole scope."""

    def _scope_and_title(self, user: Any, parameters: dict[str, Any]) -> tuple[Any, str]:
        title = assurance_reads.rule_title(parameters["rule_code"], clock.today())
        if title is None:
            raise NotFound("That rule is not in force.")
        scope = assurance_reads.dashboard_scope(user=user, unit_id=parameters.get("unit"))
        return scope, title

    def request(self, user: Any, query: QueryDict) -> Request:
        raw = query.get("unit") or ""
        unit_id = id_param(raw)
        if raw and unit_id is None:
            raise Http404("Page not found.")
        parameters = {"rule_code": query.get("rule") or "", "unit": unit_id}
        scope, title = self._scope_and_title(user, parameters)
        back = reverse("assurance:rule_failing", args=[parameters["rule_code"]])
        if scope.unit and scope.can_choose:
            back += "?" + urlencode({"unit": scope.unit.pk})
        return Request(f"Cases not meeting {title}, {scope.label}", parameters, back)

    def rows(self, user: Any, parameters: dict[str, Any]) -> ExportRows:
        scope, _title = self._scope_and_title(user, parameters)
        rule_code = parameters["rule_code"]
        verdicts = assurance_reads.failing_cases(user=user, scope=scope, rule_code=rule_code)
        case_ids, blocks = assurance_exports.failing_rows(verdicts=verdicts, rule_code=rule_code)
        what = f"Cases not meeting {rule_code}, {scope.label}"
        return ExportRows(
            header=assurance_exports.FAILING_HEADER,
            sheet_title=assurance_exports.failing_sheet_title(rule_code),
            subject_type=assurance_exports.FAILING_SUBJECT_TYPE,
            label=lambda fmt, count: assurance_exports.failing_label(what, fmt, count),
            case_ids=case_ids,
            blocks=blocks,
        )


KINDS: dict[str, CaseList | FailingRule] = {
    "cases-my": CaseList("my"),
    "cases-unit": CaseList("unit"),
    "cases-all": CaseList("all"),
    "assurance-failing": FailingRule(),
}


def kind(slug: str) -> CaseList | FailingRule:
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404("Page not found.") from None
