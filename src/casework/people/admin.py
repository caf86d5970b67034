"""Administration of organisation reference data and user accounts (audited; see core.admin_audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core.admin_audit import HIDDEN, AuditedAdminMixin
from casework.people.credentials import credentials_changed
from casework.people.models import Absence, Area, Grade, PoliceForce, Specialism, Team, Unit, User

#: User fields that decide what a person may see or do: changing any of them is a permission change.
ACCESS_FIELDS = frozenset(
    {
        "roles",
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
        "unit",
        "area",
        "police_force",
        "password",
        "password1",
        "password2",
        "usable_password",
    }
)


class AreaInline(admin.TabularInline):
    model = Area
    extra = 0
    fields = ("code", "name")


@admin.register(Unit)
class UnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "size")
    list_filter = ("size",)
    search_fields = ("name", "code")
    inlines = [AreaInline]


@admin.register(Area)
class AreaAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "unit")
    list_select_related = ("unit",)
    search_fields = ("name", "code")


@admin.register(PoliceForce)
class PoliceForceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "notification_email")
    search_fields = ("name", "code")
    filter_horizontal = ("areas",)


@admin.register(Team)
class TeamAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "unit")
    list_filter = ("unit",)
    list_select_related = ("unit",)
    search_fields = ("name",)


@admin.register(Grade)
class GradeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "civil_service_band", "seniority", "is_legal", "is_manager")
    search_fields = ("name", "code")


@admin.register(Specialism)
class SpecialismAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0
    fields = ("kind", "starts_on", "ends_on", "hours_per_week", "reason")


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "unit", "grade", "is_active")
    list_filter = ("is_active", "roles", "unit", "grade", "working_pattern")
    list_select_related = ("unit", "grade")
    search_fields = ("username", "first_name", "last_name", "email")
    filter_horizontal = ("roles", "specialisms")
    autocomplete_fields = ("line_manager",)
    inlines = [AbsenceInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal details", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("is_active", "roles", "unit", "area", "police_force", "is_staff", "is_superuser")}),
        ("Post", {"fields": ("grade", "team", "line_manager", "specialisms")}),
        ("Hours", {"fields": ("fte", "contracted_hours", "working_pattern")}),
        ("History", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def audit_action_for(self, obj: Any, changes: dict[str, list[Any]], *, created: bool) -> str:
        if created or ACCESS_FIELDS & set(changes):
            return Action.PERMISSION_CHANGE
        return Action.ALTER  # other personal details: an alteration under DPA 2018 s.62

    def audit_delete_action(self, obj: Any) -> str:
        return Action.ERASE

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # A switched-off account keeps no API token (the api app revokes them).
            credentials_changed(user=obj, actor=request.user, reason="account deactivated")

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # A password set by an administrator is a permission change; audit it with the change itself.
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                audit.record(
                    actor=request.user,
                    action=Action.PERMISSION_CHANGE,
                    subject=user,
                    changes={"password": [HIDDEN, HIDDEN]},
                )
                credentials_changed(user=user, actor=request.user, reason="password set by an administrator")
        return response
