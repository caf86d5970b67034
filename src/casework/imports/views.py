"""The administrators' import pages: upload a file and see its check report, then start the
import, which the worker writes in batches while the run page shows its progress.

Administrators have no case content access. The pages show only what the administrator uploaded
(counts, and row problems quoting the file's own cells); the import itself is recorded in the
audit trail as a `collect` by the administrator, as every other way of recording a case is.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from casework.core.errors import CaseworkError
from casework.core.views import page_errors
from casework.imports.forms import ImportForm
from casework.imports.mapping import load_mapping
from casework.imports.models import ImportRun, RunStatus
from casework.imports.services import import_prepare, import_resume, import_start, kind_noun, may_resume
from casework.people.choices import RoleCode
from casework.people.models import User

RECENT_RUNS = 25
PROBLEMS_SHOWN = 500


def _administrator(request: HttpRequest) -> User:
    """The signed-in administrator; anyone else gets the same 404 as a page that is not there."""
    user = cast(User, request.user)
    if RoleCode.ADMINISTRATOR not in user.role_codes:
        raise Http404("Page not found.")
    return user


@login_required
def import_home(request: HttpRequest) -> HttpResponse:
    user = _administrator(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = [(upload.name, upload.read()) for upload in form.cleaned_data["upload"]]
        try:
            with page_errors():
                run = import_prepare(
                    actor=user,
                    files=files,
                    mapping=load_mapping(kind=form.cleaned_data["kind"]),
                    unit=form.cleaned_data["unit"],
                )
        except CaseworkError as error:
            for name, messages in error.field_errors.items():
                for message in messages:
                    form.add_error(name if name in form.fields else "upload", message)
            if not error.field_errors:
                form.add_error("upload", error.message)
        else:
            return redirect("imports:run", run_id=run.pk)
    runs = ImportRun.objects.select_related("unit", "actor")[:RECENT_RUNS]
    return render(request, "imports/home.html", {"form": form, "runs": runs}, status=400 if form.errors else 200)


@login_required
def import_run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    _administrator(request)
    run = get_object_or_404(ImportRun.objects.select_related("unit", "actor"), pk=run_id)
    context = {
        "run": run,
        "noun": kind_noun(run.kind),
        "problems": run.problems.all()[:PROBLEMS_SHOWN],
        "can_start": run.status == RunStatus.VALIDATED,
        "can_resume": may_resume(run),
    }
    return render(request, "imports/run.html", context)


def _queue(request: HttpRequest, run_id: int, action: Any) -> HttpResponse:
    user = _administrator(request)
    get_object_or_404(ImportRun, pk=run_id)
    try:
        with page_errors():
            action(actor=user, run_id=run_id)
    except CaseworkError as error:  # e.g. started twice: say so on the run page
        messages.error(request, error.message)
    return redirect("imports:run", run_id=run_id)


@login_required
@require_POST
def import_run_start(request: HttpRequest, run_id: int) -> HttpResponse:
    return _queue(request, run_id, import_start)


@login_required
@require_POST
def import_run_resume(request: HttpRequest, run_id: int) -> HttpResponse:
    return _queue(request, run_id, import_resume)
