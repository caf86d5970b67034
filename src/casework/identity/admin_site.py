"""The Django admin, for system administrators only.

Being `is_staff` is not enough: the user must also hold the administrator role, so a stray staff
flag never opens configuration (or the read-only audit trail) to anyone else.

The admin has no sign-in page of its own: /admin/login/ sends people to the service's sign-in,
so the lockout, the per-address throttle and the second factor apply there as everywhere.
"""

from __future__ import annotations

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


class CaseworkAdminConfig(AdminConfig):
    default_site = "casework.identity.admin_site.CaseworkAdminSite"
