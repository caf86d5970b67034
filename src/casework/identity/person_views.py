"""Pages about people: a person's record, for themselves, their managers and oversight roles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from casework.core import clock
from casework.core.views import page_errors
from casework.identity import services
from casework.people import selectors


@login_required
@require_http_methods(["GET", "HEAD"])
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person record. Outside the viewer's visible people: 404. Opening it is logged (s.62)."""
    viewer: Any = request.user
    with page_errors():
        person = services.person_open(actor=viewer, person_id=person_id)
    today = clock.today()
    absences = list(selectors.absences_from(person=person, today=today))
    return render(
        request,
        "people/person.html",
        {
            "person": person,
            "specialisms": list(person.specialisms.all()),
            "current_absences": [a for a in absences if a.starts_on <= today],
            "upcoming_absences": [a for a in absences if a.starts_on > today],
            "line_manager_visible": bool(
                person.line_manager_id
                and selectors.visible_person_ids(viewer=viewer, person_ids=[person.line_manager_id])
            ),
        },
    )
