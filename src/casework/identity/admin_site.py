"""The Django admin, for system administrators only.

Being `is_staff` is not enough: the user must also hold the administrator role, so a stray staff
flag never opens configuration (or the read-only audit trail) to anyone else.

The admin has no sign-in page of its own: /admin/login/ sends people to the service's sign-in,
so the lockout, the per-address throttle and the second factor apply there as everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from casework.people.choices import RoleCode


class CaseworkAdminSite(admin.AdminSite):
    site_header = "Casework Assurance administration"
    site_title = "Casework Assurance"
    index_title = "Reference data and users"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active and user.is_staff and RoleCode.ADMINISTRATOR in getattr(user, "role_codes", frozenset())
        )

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """One sign-in path for everything: never check a password here."""
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Any:
        """Every admin page an administrator reads is logged: a `consult` event naming the page."""
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def logged(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response: HttpResponse = inner(request, *args, **kwargs)
            if request.method in {"GET", "HEAD"} and response.status_code == 200 and self.has_permission(request):
                record_admin_read(request, self._model_of(request), kwargs.get("object_id", ""))
            return response

        return logged

    def _model_of(self, request: HttpRequest) -> str:
        """The model an admin page shows ("people.user"), from its URL name; "" for other pages."""
        match = request.resolver_match
        name = match.url_name if match is not None else ""
        for model in self._registry:
            if name and name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
                return model._meta.label_lower
        return ""


def record_admin_read(request: HttpRequest, subject_type: str, object_id: str) -> None:
    # Imported here: this module holds an AppConfig, loaded before any app's models are ready.
    from casework.audit import services as audit
    from casework.audit.choices import Action

    match = request.resolver_match
    page = match.url_name if match is not None and match.url_name else "index"
    query = request.GET.urlencode()[:300]
    audit.record(
        actor=request.user,
        action=Action.CONSULT,
        subject_type=subject_type or "admin",
        subject_id=str(object_id or ""),
        subject_label=f"Administration page {page}"[:250],
        justification=f"System administration: {page}{f' ({query})' if query else ''}"[:1000],
    )


class CaseworkAdminConfig(AdminConfig):
    default_site = "casework.identity.admin_site.CaseworkAdminSite"
