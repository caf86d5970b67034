"""Pages of background exports: ask for one, follow its progress, download it. A job is its
requester's alone: anyone else gets a 404 for its page, status and file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from casework.core.views import page_errors
from casework.exports import kinds, services
from casework.exports.forms import BackgroundExportForm
from casework.exports.models import ExportJob, ExportState

#: While a job is queued or running its page asks the browser to reload it this often (the HTTP
#: Refresh header: no script needed); the page says so and offers to stop.
REFRESH_SECONDS = 5
#: "Your exports" shows this many of the user's most recent jobs.
LIST_LENGTH = 50

TAG_CLASSES = {
    ExportState.QUEUED: "govuk-tag--grey",
    ExportState.RUNNING: "govuk-tag--blue",
    ExportState.DONE: "govuk-tag--green",
    ExportState.FAILED: "govuk-tag--red",
    ExportState.EXPIRED: "govuk-tag--grey",
}


def _job(request: HttpRequest, job_id: int) -> ExportJob:
    job = ExportJob.objects.visible_to(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404("Page not found.")
    return job


def _shown(job: ExportJob) -> dict[str, Any]:
    return {"job": job, "tag_class": TAG_CLASSES.get(ExportState(job.state), "")}


@login_required
@require_http_methods(["GET", "HEAD"])
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = list(ExportJob.objects.visible_to(request.user)[:LIST_LENGTH])
    return render(request, "exports/list.html", {"jobs": [_shown(job) for job in jobs]})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def job_new(request: HttpRequest, export_kind: str) -> HttpResponse:
    """The disclosure form for an export prepared in the background; its POST queues the job."""
    kind = kinds.kind(export_kind)
    with page_errors():
        asked = kind.request(request.user, request.GET)
    form = BackgroundExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with page_errors():
            job, created = services.request_export(
                user=request.user,
                kind=export_kind,
                query=request.GET,
                fmt=form.cleaned_data["fmt"],
                recipient=form.cleaned_data["recipient"],
                purpose=form.cleaned_data["purpose"],
            )
        if created:
            messages.success(request, "Your export is being prepared. You can leave this page and come back to it.")
        else:
            messages.info(request, "This export was already being prepared: this is its progress.")
        return redirect("exports:job", job_id=job.pk)
    context = {"form": form, "title": asked.title, "back_href": asked.back_href, "action": request.get_full_path()}
    return render(request, "exports/new.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD"])
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    refreshing = job.is_active and request.GET.get("refresh") != "off"
    response = render(
        request,
        "exports/job.html",
        {**_shown(job), "refreshing": refreshing, "refresh_seconds": REFRESH_SECONDS},
    )
    if refreshing:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


def status_data(job: ExportJob) -> dict[str, Any]:
    done = job.state == ExportState.DONE
    return {
        "id": job.pk,
        "title": job.title,
        "format": job.fmt,
        "state": job.state,
        "state_label": job.get_state_display(),
        "rows_written": job.rows_written,
        "rows_total": job.rows_total,
        "percent": job.percent_done,
        "requested_at": job.requested_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "expires_at": job.expires_at.isoformat() if job.expires_at else None,
        "download_url": reverse("exports:download", args=[job.pk]) if done else None,
        "failure": job.failure or None,
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    response = JsonResponse(status_data(_job(request, job_id)))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def job_download(request: HttpRequest, job_id: int) -> HttpResponseBase:
    job = _job(request, job_id)
    path = services.file_path(job)
    if path is None:
        messages.error(request, "This file is not available: it is not ready yet, or has expired. Ask for it again.")
        return redirect("exports:job", job_id=job.pk)
    handle = path.open("rb")
    services.downloaded(user=request.user, job=job)
    response = FileResponse(handle, as_attachment=True, filename=f"casework-{job.kind}-{job.pk}.{job.fmt}")
    response["Cache-Control"] = "no-store"
    return response
