"""The overview each role lands on, and the list behind every figure on it.

Views parse input, call one selector, and render. The scope comes from the role (workday.scope); a
figure that is not on this role's overview is a 404, like anything else outside a person's reach.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.disclosure import disclosure_or_form
from casework.core.params import id_param, page_param
from casework.core.spreadsheets import spreadsheet_safe
from casework.core.views import page_errors
from casework.people.models import Unit
from casework.workday import figures, selectors, services
from casework.workday.scope import NATIONAL, Scope, scope_for


def _scope(request: HttpRequest) -> Scope:
    with page_errors():
        return scope_for(
            request.user, unit_id=id_param(request.GET.get("unit")), lawyer_id=id_param(request.GET.get("lawyer"))
        )


@login_required
@require_http_methods(["GET", "HEAD"])
def overview(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    today = clock.today()
    data = selectors.overview(scope=scope, today=today)
    # The recent cases show URNs and operation names: reading them is a consultation (s.62).
    services.cases_listed(actor=request.user, cases=data.recent, justification=selectors.RECENT_CASES_PURPOSE)
    return render(
        request,
        "workday/overview.html",
        {
            "overview": data,
            "scope": scope,
            "units": list(Unit.objects.order_by("name")) if scope.can_choose_unit else [],
            "national": scope.kind == NATIONAL,
        },
    )


def _justification(user: Any, figure: figures.Figure) -> str:
    return f"{user.primary_role_label}: {figure.title.lower()} (overview list)"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def figure_items(request: HttpRequest, key: str) -> HttpResponse:
    exporting = request.GET.get("format") == "csv"
    if request.method == "POST" and not exporting:
        return HttpResponseNotAllowed(["GET", "HEAD"])
    scope = _scope(request)
    figure = figures.BY_KEY.get(key)
    if figure is None or figure not in figures.figures_for(scope):
        raise Http404("Page not found.")
    today = clock.today()
    user: Any = request.user
    if exporting:
        # The file is a disclosure: only a POST stating its recipient and purpose produces it.
        disclosure = disclosure_or_form(
            request, what=f"{figure.title.lower()} (CSV)", back_href=request.path + scope.query()
        )
        if isinstance(disclosure, HttpResponse):
            return disclosure
        rows = selectors.all_rows(figure=figure, scope=scope, today=today)
        case_ids = sorted({row.case.pk for row in rows if row.case is not None})
        audit.record(
            actor=user,
            action=Action.DISCLOSE,
            subject_type="cases.case",
            subject_label=f"{figure.title} CSV: {len(rows)} item{'' if len(rows) == 1 else 's'}"[:250],
            changes={"cases": [None, case_ids]},
            justification=disclosure.purpose,
            recipient=disclosure.recipient,
        )
        return _csv(figure, rows, today)
    page = selectors.items_page(figure=figure, scope=scope, today=today, page=page_param(request.GET.get("page")))
    services.cases_listed(actor=user, cases=[row.case for row in page.rows], justification=_justification(user, figure))
    base = scope.query()
    joiner = "&" if base else "?"
    return render(
        request,
        "workday/figure.html",
        {
            "figure": figure,
            "page": page,
            "scope": scope,
            "today": today,
            "summary": figure.describe(page.total, page.cases),
            "page_links": [
                {"number": n, "href": f"{base}{joiner}page={n}", "current": n == page.page}
                for n in range(1, page.pages + 1)
            ],
            "previous_href": f"{base}{joiner}page={page.page - 1}" if page.page > 1 else "",
            "next_href": f"{base}{joiner}page={page.page + 1}" if page.page < page.pages else "",
            "csv_href": f"{base}{joiner}format=csv",
            "overview_href": "/overview/" + base,
        },
    )


def _csv(figure: figures.Figure, rows: list[figures.Row], today: Any) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["urn", "item", "date_kind", "date", "days_left", "urgency", "detail"])
    for row in rows:
        writer.writerow(
            [
                spreadsheet_safe(value)
                for value in (
                    row.case.urn if row.case else "",
                    row.what,
                    row.date_label,
                    row.date.isoformat() if row.date else "",
                    row.days(today) if row.date else "",
                    row.urgency(today),
                    row.detail,
                )
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="casework-{figure.key}.csv"'
    return response
