"""Administration of case-register reference data (audited; see audit.admin_audit).

Case content (cases, defendants, charges, hearings, documents, reviews) is deliberately absent:
administrators configure the service and have no access to case content.
"""

from __future__ import annotations

from django.contrib import admin

from casework.audit.admin_audit import AuditedAdminMixin
from casework.cases.models import AcceptanceCriterion, OffenceCategory


@admin.register(AcceptanceCriterion)
class AcceptanceCriterionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "code", "is_active", "source")
    list_filter = ("is_active",)
    search_fields = ("title", "code")


@admin.register(OffenceCategory)
class OffenceCategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
