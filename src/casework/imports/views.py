"""The administrators' import page: upload a file, see its validation report, import it.

Administrators have no case content access. The page shows only what the administrator uploaded
(counts, and row problems quoting the file's own cells); the import itself is recorded in the
audit trail as a `collect` by the administrator, as every other way of recording a case is.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from casework.core.errors import CaseworkError
from casework.core.views import page_errors
from casework.imports.forms import ImportForm
from casework.imports.mapping import load_mapping
from casework.imports.models import ImportRun
from casework.imports.services import import_run
from casework.people.choices import RoleCode

RECENT_RUNS = 25
PROBLEMS_SHOWN = 500


def _require_administrator(user: Any) -> None:
    if RoleCode.ADMINISTRATOR not in user.role_codes:
        raise Http404("Page not found.")


@login_required
def import_home(request: HttpRequest) -> HttpResponse:
    _require_administrator(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = [(upload.name, upload.read()) for upload in form.cleaned_data["upload"]]
        try:
            with page_errors():
                run = import_run(
                    actor=request.user,
                    files=files,
                    mapping=load_mapping(),
                    unit=form.cleaned_data["unit"],
                    dry_run=form.cleaned_data["dry_run"],
                )
        except CaseworkError as error:
            form.add_error("upload", error.message)
        else:
            return redirect("imports:run", run_id=run.pk)
    runs = ImportRun.objects.select_related("unit", "actor")[:RECENT_RUNS]
    return render(request, "imports/home.html", {"form": form, "runs": runs}, status=400 if form.errors else 200)


@login_required
def import_run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    _require_administrator(request.user)
    run = get_object_or_404(ImportRun.objects.select_related("unit", "actor"), pk=run_id)
    problems = run.problems.all()[:PROBLEMS_SHOWN]
    return render(request, "imports/run.html", {"run": run, "problems": problems})
