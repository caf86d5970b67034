"""Read-only admin for the audit trail: no add, change or delete, whatever the user's permissions."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from casework.audit.admin_audit import ReadOnlyAdmin
from casework.audit.models import AuditCheckpoint, AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "occurred_at", "action", "actor_label", "subject_type", "subject_label", "case_id")
    list_filter = ("action",)
    search_fields = ("subject_label", "subject_id", "subject_type", "actor_label")
    show_full_result_count = False  # counting millions of rows on every page is slow

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        # The same access path as the audit search page: administrators see security and
        # configuration events, not case content.
        return AuditEvent.objects.visible_to(request.user)


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("tree_size", "root_hash", "created_at", "public_key")
