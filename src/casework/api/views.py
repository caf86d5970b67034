"""Pages for API tokens: a person's own (list, create, revoke) and, for administrators, anyone's."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from casework.api import services
from casework.core import clock
from casework.core.govuk_forms import GovukForm
from casework.core.views import page_errors
from casework.people.models import User

ADMINISTRATOR = "administrator"


class TokenCreateForm(GovukForm):
    name = forms.CharField(
        label="What is the token for?",
        help_text="For example, nightly import. It helps you recognise the token later.",
        max_length=100,
        error_messages={
            "required": "Enter what the token is for",
            "max_length": "What the token is for must be 100 characters or less",
        },
    )


def _person_for(request: HttpRequest, person_id: int) -> Any:
    viewer: Any = request.user
    if person_id != viewer.pk and ADMINISTRATOR not in viewer.role_codes:
        raise Http404("Not found.")
    person = User.objects.visible_to(viewer).filter(pk=person_id).first()
    if person is None:
        raise Http404("Person not found.")
    return person


def _render(request: HttpRequest, person: Any, form: TokenCreateForm | None, new_token: str = "") -> HttpResponse:
    viewer: Any = request.user
    return render(
        request,
        "api/tokens.html",
        {
            "person": person,
            "own": person.pk == viewer.pk,
            "tokens": services.api_tokens_of(viewer=viewer, user_id=person.pk),
            "form": form,
            "new_token": new_token,
            "now": clock.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """Your tokens. POST creates one, shown on this response only."""
    user: Any = request.user
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = services.api_token_issue(actor=user, name=form.cleaned_data["name"])
        return _render(request, user, TokenCreateForm(), new_token=issued.token)
    return _render(request, user, form)


@login_required
@require_http_methods(["GET", "HEAD"])
def person_tokens(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person's tokens, for administrators (and for the person themself)."""
    person = _person_for(request, person_id)
    return _render(request, person, TokenCreateForm() if person.pk == request.user.pk else None)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    with page_errors():
        token = services.api_token_revoke(actor=cast(User, request.user), token=token_id)
    messages.success(request, f"Token {token.key_prefix}… revoked. It no longer works.")
    if token.user_id == request.user.pk:
        return redirect("api_tokens")
    return redirect("api_person_tokens", token.user_id)


@login_required
@require_POST
def person_tokens_revoke(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_for(request, person_id)
    with page_errors():
        count = services.api_tokens_revoke_all(
            actor=cast(User, request.user), user_id=person.pk, reason="all revoked at once"
        )
    messages.success(request, f"{count} token{'s' if count != 1 else ''} revoked.")
    return redirect("api_person_tokens", person.pk)
