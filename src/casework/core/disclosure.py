"""Exports of case data are disclosures: the user says who receives the file and why, then posts.

A plain link (GET) to an export shows this small form; only a POST carrying the recipient, the
purpose and the CSRF token produces the file. So another site cannot trigger a download, and the
`disclose` event records what the user stated rather than an automatic reason (DPA 2018 s.62).
The query string (the list's filters) stays on the form's address, so the export is of the list
the user was looking at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render


class DisclosureForm(forms.Form):
    recipient = forms.CharField(
        max_length=250,
        label="Who will receive this file?",
        help_text="A person, team or organisation, for example “Myself, for the unit progression meeting”.",
        error_messages={
            "required": "Enter who will receive the file",
            "max_length": "Who will receive the file must be 250 characters or fewer",
        },
    )
    purpose = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What is it for?",
        help_text="This is recorded in the audit trail with the file's contents.",
        error_messages={
            "required": "Enter what the file is for",
            "max_length": "What the file is for must be 500 characters or fewer",
        },
    )

    def clean_recipient(self) -> str:
        return _meaningful(self.cleaned_data["recipient"], "Enter who will receive the file")

    def clean_purpose(self) -> str:
        return _meaningful(self.cleaned_data["purpose"], "Enter what the file is for")


def _meaningful(value: str, message: str) -> str:
    text = " ".join(value.split())
    if len(text) < 3 or len(set(text.replace(" ", "").casefold())) < 3:
        raise forms.ValidationError(message)
    return text


@dataclass(frozen=True)
class Disclosure:
    recipient: str
    purpose: str


def disclosure_or_form(request: HttpRequest, *, what: str, back_href: str = "") -> Disclosure | HttpResponse:
    """The recipient and purpose the user stated (POST), or the page asking for them."""
    form = DisclosureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return Disclosure(recipient=form.cleaned_data["recipient"], purpose=form.cleaned_data["purpose"])
    context = {"form": form, "what": what, "back_href": back_href, "action": request.get_full_path()}
    return render(request, "core/disclosure.html", context, status=400 if form.errors else 200)


def list_or_export(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a view serving a list (GET) and its export (the URL passes `export` or `fmt`): the
    export also takes the POST that carries the recipient and purpose; the list does not."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        exporting = bool(kwargs.get("export") or kwargs.get("fmt"))
        allowed = ["GET", "HEAD", "POST"] if exporting else ["GET", "HEAD"]
        if request.method not in allowed:
            return HttpResponseNotAllowed(allowed)
        return view(request, *args, **kwargs)

    return wrapped
