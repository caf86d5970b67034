"""Administration of organisation reference data and user accounts (audited; see audit.admin_audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from casework.audit import services as audit
from casework.audit.admin_audit import HIDDEN, AuditedAdminMixin, NoEditAdmin
from casework.audit.choices import Action
from casework.core.errors import CaseworkError
from casework.identity import role_grants
from casework.people.choices import RoleCode
from casework.people.credentials import credentials_changed
from casework.people.models import Absence, Area, Grade, PoliceForce, Role, RoleGrant, Specialism, Team, Unit, User

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

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Roles that widen access to case data are not given here: they become requests that a
        second administrator approves (identity.role_grants); the other changes are saved."""
        held = set(form.initial.get("roles") or []) if change else set()
        held_codes = set(Role.objects.filter(pk__in=[getattr(r, "pk", r) for r in held]).values_list("code", flat=True))
        chosen = list(form.cleaned_data.get("roles") or [])
        waiting = role_grants.needs_second_person(role.code for role in chosen if role.code not in held_codes)
        if waiting:
            form.cleaned_data["roles"] = [role for role in chosen if role.code not in waiting]
            if {role.code for role in form.cleaned_data["roles"]} == held_codes and "roles" in form.changed_data:
                form.changed_data.remove("roles")  # nothing granted here: the request is its own event
        super().save_related(request, form, formsets, change)
        for code in sorted(waiting):
            role_grants.role_grant_request(
                actor=request.user, user=form.instance, code=code, reason="Asked in the admin"
            )
        if waiting:
            names = ", ".join(RoleCode(code).label for code in sorted(waiting))
            messages.warning(
                request,
                f"{names}: this widens access to case data, so a second administrator must approve it "
                "(Role requests). Until then the role is not held.",
            )

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


@admin.register(RoleGrant)
class RoleGrantAdmin(NoEditAdmin):
    """Requests for roles that widen access: a second administrator approves or refuses them."""

    list_display = ("user", "role", "status", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("status", "role")
    list_select_related = ("user", "role", "requested_by", "decided_by")
    actions = ["approve", "refuse"]

    def _decide(self, request: HttpRequest, queryset: Any, *, approve: bool) -> None:
        for grant in queryset:
            try:
                role_grants.role_grant_decide(actor=request.user, grant_id=grant.pk, approve=approve)
            except CaseworkError as error:
                self.message_user(request, f"{grant}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{grant}: {'approved' if approve else 'refused'}.", messages.SUCCESS)

    @admin.action(description="Approve the selected role requests")
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Refuse the selected role requests")
    def refuse(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, approve=False)
