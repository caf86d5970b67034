"""Sign-in, sign-out, password change, the role-based home page and error mapping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_GET

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core.errors import CaseworkError, NotFound, PermissionDenied
from casework.core.forms import AuditedPasswordChangeForm, ThrottledAuthenticationForm
from casework.people import services as people_services
from casework.people.choices import CASEWORKER_ROLES, NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode

# --- error mapping -------------------------------------------------------------------------------


def http_error_for(error: CaseworkError) -> Exception | None:
    """The page response for a service error, or None when the page should show it on a form."""
    if isinstance(error, NotFound):
        return Http404(error.message)
    if isinstance(error, PermissionDenied):
        return DjangoPermissionDenied(error.message)
    return None


@contextmanager
def page_errors() -> Iterator[None]:
    """Turn NotFound into a 404 page and PermissionDenied into a 403 page; re-raise the rest."""
    try:
        yield
    except CaseworkError as error:
        mapped = http_error_for(error)
        if mapped is None:
            raise
        raise mapped from error


# --- authentication ------------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    template_name = "core/login.html"
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        people_services.login_failures_clear(username=form.get_user().get_username())
        return response


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET with 405)."""

    http_method_names = ["post", "options"]


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    form_class = AuditedPasswordChangeForm
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            # The audit trail records that the password changed, never the value or its hash.
            audit.record(
                actor=self.request.user,
                action=Action.ALTER,
                subject=self.request.user,
                subject_label=self.request.user.get_username(),
                changes={"password": ["(changed)", "(changed)"]},
            )
        messages.success(self.request, "Your password has been changed.")
        return response


# --- home ---------------------------------------------------------------------------------------


def home_url_for(user: Any) -> str | None:
    """Where each role starts. None: the user has no page in this service (police, no role)."""
    roles = user.role_codes
    if roles & (CASEWORKER_ROLES | UNIT_MANAGER_ROLES):
        return reverse("cases:my")
    if RoleCode.AREA_LEADERSHIP in roles:
        return reverse("cases:unit")
    if roles & NATIONAL_READ_ROLES:
        return reverse("cases:all")
    if RoleCode.RECORDS_OFFICER in roles:
        return reverse("records:dashboard")
    if RoleCode.ADMINISTRATOR in roles:
        return reverse("admin:index")
    if RoleCode.POLICE_LIAISON in roles and user.police_force_id:
        return reverse("partners:portal")
    return None


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    target = home_url_for(user)
    if target is not None:
        return redirect(target)
    is_police = RoleCode.POLICE_LIAISON in user.role_codes
    return render(request, "core/no_case_access.html", {"is_police": is_police})
