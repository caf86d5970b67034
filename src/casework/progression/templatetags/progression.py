"""The progression panel on the case page (the case page itself belongs to the cases app)."""

from __future__ import annotations

from typing import Any

from django import template

from casework.core import clock
from casework.progression import board
from casework.progression.forms import REGIME_CHOICES

register = template.Library()

PANEL_DEADLINES = 8


@register.inclusion_tag("progression/_case_panel.html", takes_context=True)
def progression_panel(context: template.Context, case: Any) -> dict[str, Any]:
    """Clocks and the next open deadlines of a case the page has already opened (and audited)."""
    user = context["request"].user
    data = board.case_progression(user=user, case=case, today=clock.today(), full=False)
    return {
        "case": case,
        "clock_rows": data["clock_rows"],
        "open_deadlines": data["open_deadlines"][:PANEL_DEADLINES],
        "today": data["today"],
    }


@register.inclusion_tag("progression/_case_progression.html", takes_context=True)
def progression_section(context: template.Context, case: Any) -> dict[str, Any]:
    """The case page's "Deadlines and CTL log" section: clocks, CTL log, deadlines and open tasks with
    their actions, for a case the page has already opened (and audited)."""
    data = board.case_progression(user=context["request"].user, case=case, today=clock.today())
    return {"case": case, "can_edit": context.get("can_edit"), "csrf_token": context.get("csrf_token"), **data}


@register.filter
def regime_label(ctl: Any) -> str:
    """The custody time limit that applies, in words (the clock stores the regime's code)."""
    return dict(REGIME_CHOICES).get(ctl.regime or ctl.initial_regime, "Not yet known")
