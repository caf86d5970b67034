"""What was sent, for administrators: kind, recipient and delivery state, never the personalisation
(it can name cases, and the administrator sees no case content)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from casework.notifications.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to_email", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status", "kind", "backend")
    search_fields = ("to_email", "reference", "provider_id")
    fields = (
        "kind", "to_email", "status", "attempts", "next_attempt_at", "last_error",
        "backend", "provider_id", "reference", "template_id", "created_at", "sent_at",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
