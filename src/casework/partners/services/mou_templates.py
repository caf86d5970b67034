"""HQ's model MoU: publishing template versions (earlier versions and their agreements are kept)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock, dates
from casework.core.errors import PermissionDenied, ValidationFailed
from casework.partners import rules
from casework.partners.choices import TemplateStatus
from casework.partners.models import MouTemplate
from casework.people.choices import RoleCode
from casework.people.models import User


@transaction.atomic
def template_publish(
    *, actor: User, content: dict[str, Any], title: str, effective_from: dt.date, change_note: str, source: str
) -> MouTemplate:
    """Publish the next version of the HQ template. Earlier versions and their agreements are kept."""
    if not actor.has_role(RoleCode.HQ_POLICY):
        raise PermissionDenied("Only the HQ policy lead can publish a new version of the MoU template.")
    dates.require_plausible(effective_from=effective_from)
    problems = rules.validate_template(content)
    if not change_note.strip():
        problems.append("Say what this version changes and why.")
    if problems:
        raise ValidationFailed(" ".join(problems), field_errors={"content": problems})
    previous = MouTemplate.objects.order_by("-number").first()
    changes = rules.template_diff(previous.content if previous else {}, content)
    if previous is not None and not changes:
        raise ValidationFailed(f"This version is identical to version {previous.number}: nothing to publish.")
    template = MouTemplate.objects.create(
        number=(previous.number + 1) if previous else 1,
        title=title.strip() or (previous.title if previous else "HQ model MoU"),
        status=TemplateStatus.PUBLISHED,
        effective_from=effective_from,
        source=source.strip() or (previous.source if previous else "local policy"),
        change_note=change_note.strip(),
        content=content,
        published_at=clock.now(),
        published_by=actor,
    )
    audit.record(
        actor=actor,
        action=Action.CONFIG_CHANGE,
        subject=template,
        changes={
            "version": [previous.number if previous else None, template.number],
            "changes": [None, [c.summary for c in changes][:50]],
        },
    )
    return template
