"""Audit for changes made in the Django admin.

Every add, change and delete an administrator makes writes an audit event inside the admin's own
transaction (the admin wraps add/change/delete views in one): `config_change` for reference data,
`permission_change` when a user's access changes, `alter` for other personal details. The event
names the changed fields with their before and after values; secrets are never recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from casework.audit import services as audit
from casework.audit.choices import Action

#: Form fields whose values never reach the audit trail (only the fact that they changed).
SECRET_FIELDS = frozenset({"password", "password1", "password2", "usable_password"})
HIDDEN = "(not recorded)"


def _label(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(str(_label(item)) for item in value)
    return value


def _initial_label(field: forms.Field, value: Any) -> Any:
    """Initial values of choice fields are primary keys: show what they point at."""
    queryset = getattr(field, "queryset", None)
    if queryset is None:
        return _label(value)
    if isinstance(field, forms.ModelMultipleChoiceField) and value:
        values = [v.pk if isinstance(v, models.Model) else v for v in value]
        return sorted(str(obj) for obj in queryset.filter(pk__in=values))
    if isinstance(field, forms.ModelChoiceField) and value not in (None, ""):
        pk = value.pk if isinstance(value, models.Model) else value
        return str(queryset.filter(pk=pk).first() or value)
    return _label(value)


def form_changes(form: forms.BaseForm, *, created: bool) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name in form.changed_data:
        if name in SECRET_FIELDS:
            changes[name] = [HIDDEN, HIDDEN]
            continue
        before = None if created else _initial_label(form.fields[name], form.initial.get(name))
        changes[name] = [audit._plain(before) if not isinstance(before, list) else before,
                         _plain_after(form.cleaned_data.get(name))]  # fmt: skip
    return changes


def _plain_after(value: Any) -> Any:
    labelled = _label(value)
    return labelled if isinstance(labelled, list) else audit._plain(labelled)


def formset_changes(formsets: list[Any]) -> dict[str, list[Any]]:
    """Inline rows added, changed or deleted, by their description (after the formsets are saved)."""
    changes: dict[str, list[Any]] = {}
    for formset in formsets:
        key = formset.model._meta.verbose_name_plural.replace(" ", "_")
        before = [str(obj) for obj, _ in formset.changed_objects] + [str(obj) for obj in formset.deleted_objects]
        after = [f"{obj} ({', '.join(fields)})" for obj, fields in formset.changed_objects]
        after += [str(obj) for obj in formset.new_objects]
        if before or after:
            changes[key] = [before, after]
    return changes


class AuditedAdminMixin:
    """Mix into a ModelAdmin to audit its adds, changes and deletes."""

    audit_action: str = Action.CONFIG_CHANGE

    def audit_action_for(self, obj: Any, changes: dict[str, list[Any]], *, created: bool) -> str:
        return self.audit_action

    def audit_delete_action(self, obj: Any) -> str:
        return self.audit_action

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        created = not change
        changes = {**form_changes(form, created=created), **formset_changes(formsets)}
        if not changes and not created:
            return
        audit.record(
            actor=request.user,
            action=self.audit_action_for(form.instance, changes, created=created),
            subject=form.instance,
            changes=changes,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._record_deletion(request, obj)
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # The bulk "delete selected" action is not wrapped in a transaction by the admin.
        with transaction.atomic():
            for obj in queryset:
                self._record_deletion(request, obj)
            super().delete_queryset(request, queryset)  # type: ignore[misc]

    def _record_deletion(self, request: HttpRequest, obj: Any) -> None:
        action = self.audit_delete_action(obj)
        # An erasure event records what was erased, never its content (DPA 2018 s.62).
        changes = None if action == Action.ERASE else {"record": [str(obj), None]}
        audit.record(actor=request.user, action=action, subject=obj, changes=changes)


if TYPE_CHECKING:  # ModelAdmin is generic in the type stubs only
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin


class NoEditAdmin(_ModelAdmin):
    """A list to read (and act on through its own actions): nothing is added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(NoEditAdmin):
    """Read-only history (rule versions, the audit trail): no bulk actions either."""

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}
