"""Audit trail pages. Only roles with an audit scope reach them; anyone else gets a 404."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from casework.audit import search
from casework.audit.forms import AuditSearchForm
from casework.audit.selectors import AuditFilters, audit_page, can_search_audit
from casework.core.disclosure import disclosure_or_form

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def audit_search(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can_search_audit(user):
        raise Http404("Page not found")
    query = request.GET.copy()
    wants_csv = query.pop("format", [""])[-1] == "csv"
    if request.method == "POST" and not wants_csv:
        return HttpResponseNotAllowed(["GET", "HEAD"])
    form = AuditSearchForm(query or None)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "events": [], "searched": False, "export_href": ""}
        return render(request, "audit/search.html", context, status=400)
    filters = form.filters() if form.is_bound else AuditFilters()
    if wants_csv:
        back = f"{request.path}?{query.urlencode()}" if query else request.path
        disclosure = disclosure_or_form(request, what="audit trail events (CSV)", back_href=back)
        if isinstance(disclosure, HttpResponse):
            return disclosure
        body = search.audit_search_export(
            actor=user, filters=filters, justification=disclosure.purpose, recipient=disclosure.recipient
        )
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
        return response
    before = form.cleaned_data.get("before") if form.is_bound else None
    events, next_before = audit_page(user=user, filters=filters, before_seq=before, limit=PAGE_SIZE)
    search.audit_search_log(actor=user, filters=filters, events=events)
    params = {key: value for key, value in request.GET.items() if key not in {"before", "format"} and value}
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "events": events,
            "searched": True,
            "filtered": bool(params),
            "first_page_href": f"?{urlencode(params)}" if before else "",
            "next_href": f"?{urlencode({**params, 'before': next_before})}" if next_before else "",
            "export_href": f"?{urlencode({**params, 'format': 'csv'})}",
        },
    )
