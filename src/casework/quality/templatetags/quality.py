"""Words for IQA pages: a sample item's stratum (stored as "stage / case type" codes) in English."""

from __future__ import annotations

from django import template

from casework.cases.choices import Stage
from casework.cases.models import AcceptanceCriterion, OffenceCategory

register = template.Library()


@register.filter
def stratum_label(stratum: str) -> str:
    """ "pre_charge / drugs" -> "Pre-charge advice, drugs offences" (the names the register uses)."""
    stage, _, case_type = (part.strip() for part in stratum.partition("/"))
    stage_label = Stage(stage).label if stage in Stage.values else stage.replace("_", " ").capitalize()
    name = (
        OffenceCategory.objects.filter(code=case_type).values_list("name", flat=True).first()
        or AcceptanceCriterion.objects.filter(code=case_type).values_list("title", flat=True).first()
        or case_type.replace("-", " ").replace("_", " ")
    )
    return f"{stage_label}, {name[:1].lower() + name[1:] if name and not name[:2].isupper() else name}"
