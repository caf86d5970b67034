"""Admin for IQA policy data. Versions are never edited in place (history is not rewritten): a new
quota policy is added as a new version with a later effective date (audited as a configuration
change); question sets are read-only here and published with `casework quality_question_set publish`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from casework.audit.admin_audit import AuditedAdminMixin, NoEditAdmin
from casework.quality.models import QuestionSet, QuotaPolicy


@admin.register(QuotaPolicy)
class QuotaPolicyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "version",
        "effective_from",
        "per_quarter",
        "long_absence_days",
        "moderation_share",
        "feedback_days",
        "source",
    )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QuestionSet)
class QuestionSetAdmin(NoEditAdmin):
    list_display = ("code", "version", "title", "effective_from", "published_at", "change_note")
    readonly_fields = (
        "code",
        "version",
        "title",
        "source",
        "effective_from",
        "published_at",
        "published_by",
        "change_note",
    )
