"""The Django admin, for system administrators only.

Being `is_staff` is not enough: the user must also hold the administrator role, so a stray staff
flag never opens configuration (or the read-only audit trail) to anyone else.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class CaseworkAdminSite(admin.AdminSite):
    site_header = "Casework Assurance administration"
    site_title = "Casework Assurance"
    index_title = "Reference data and users"

    def has_permission(self, request: HttpRequest) -> bool:
        from casework.people.choices import RoleCode

        user = request.user
        return bool(
            user.is_active and user.is_staff and RoleCode.ADMINISTRATOR in getattr(user, "role_codes", frozenset())
        )


class CaseworkAdminConfig(AdminConfig):
    default_site = "casework.core.admin_site.CaseworkAdminSite"
