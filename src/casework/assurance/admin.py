"""Admin for assurance: rule and checkpoint versions are read-only (history is never rewritten); a
new rule version is published through services.rule_publish_version. Exemptions, waivers and
sign-offs are case content (their reasons, rationales and the case's URN), so they are not in the
admin at all: administrators configure the service and never read case content."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from casework.assurance import services
from casework.assurance.forms import RulePublishForm
from casework.assurance.models import AssuranceRule, Checkpoint
from casework.audit.admin_audit import ReadOnlyAdmin
from casework.core.errors import CaseworkError
from casework.core.forms import apply_service_error
from casework.people.models import User


@admin.register(AssuranceRule)
class AssuranceRuleAdmin(ReadOnlyAdmin):
    list_display = ("code", "version", "title", "severity", "effective_from", "effective_to", "publish_link")
    list_filter = ("severity", "scope")
    search_fields = ("code", "title")

    @admin.display(description="New version")
    def publish_link(self, obj: AssuranceRule) -> str:
        if obj.effective_to is not None:
            return "–"
        url = reverse("admin:assurance_assurancerule_publish", args=[obj.pk])
        return format_html('<a href="{}">Publish new version</a>', url)

    def get_urls(self) -> list[Any]:
        custom = [
            path(
                "<int:rule_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="assurance_assurancerule_publish",
            ),
        ]
        return custom + super().get_urls()

    def publish_view(self, request: HttpRequest, rule_id: int) -> HttpResponse:
        """Publish a new version of a rule from its latest version's values."""
        base = AssuranceRule.objects.filter(pk=rule_id).first()
        if base is None:
            raise Http404("Rule not found.")
        previous = AssuranceRule.objects.filter(code=base.code).order_by("-version").first()
        assert previous is not None
        initial = {name: getattr(previous, name) for name in RulePublishForm.CHANGEABLE}
        form = RulePublishForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            changes = form.changes_from(previous)
            if not changes:
                form.add_error(None, "Nothing changed: a new version must change at least one field.")
            else:
                try:
                    new = services.rule_publish_version(
                        actor=cast(User, request.user),  # the admin site admits signed-in staff only
                        code=previous.code,
                        effective_from=form.cleaned_data["effective_from"],
                        changes=changes,
                    )
                except CaseworkError as error:
                    apply_service_error(form, error)
                else:
                    messages.success(request, f"Published {new} taking effect on {new.effective_from}.")
                    return redirect("admin:assurance_assurancerule_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Publish a new version of {previous.code} (now v{previous.version})",
            "form": form,
            "previous": previous,
        }
        return TemplateResponse(request, "assurance/admin/publish.html", context)


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ("code", "version", "title", "trigger_stage", "blocking", "effective_from", "effective_to")
    list_filter = ("blocking",)
