"""What the partnership discloses: every read through the police portal, and the performance export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core.spreadsheets import Table, tables_to_csv
from casework.partners.models import Agreement
from casework.partners.selectors import force_performance
from casework.people.models import User


@transaction.atomic
def portal_disclose(*, actor: User, subject: Any, what: str) -> None:
    """Every read through the police portal (or the force API) is a disclosure to the force."""
    force = actor.police_force
    audit.record(
        actor=actor,
        action=Action.DISCLOSE,
        subject=subject,
        case_id=getattr(subject, "case_id", None),
        recipient=str(force),
        justification=f"Police portal: {what} for {force}, under the MoU",
    )


@transaction.atomic
def performance_export(*, actor: User, agreement: Agreement, today: dt.date) -> bytes:
    """The force's performance figures as CSV tables, with the export event in the same transaction."""
    figures = force_performance(user=actor, force_id=agreement.force_id, today=today)
    sla_header = ["Met on time", "Met late", "Breached (open)", "Running", "% on time"]
    sla_keys = ["met", "late", "breached_open", "running", "percent_on_time"]
    tables = [
        Table("Referral outcomes", ["Outcome", "Referrals"], [list(row) for row in figures["outcomes"]]),
        Table("Referral kinds", ["Kind", "Referrals"], [list(row) for row in figures["kinds"]]),
        Table("CPS response times against the agreement", sla_header, [[figures["cps_sla"][k] for k in sla_keys]]),
        Table("Police responses to action plans", sla_header, [[figures["police_sla"][k] for k in sla_keys]]),
        Table("Escalations by level", ["Level", "Escalations"], [list(row) for row in figures["escalations"]]),
        Table(
            "Liaison actions and disagreements",
            ["Actions", "Actions done", "Disagreements", "Open escalations"],
            [
                [
                    figures["actions_total"],
                    figures["actions_done"],
                    figures["disagreements"],
                    figures["open_escalations"],
                ]
            ],
        ),
        Table("Referrals by month", ["Month", "Referrals"], [list(row) for row in figures["trend"]]),
    ]
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        subject=agreement,
        subject_label=f"MoU performance: {agreement.force.name}"[:250],
        justification=f"Performance against the MoU for {agreement.force.name}",
        recipient=audit.actor_snapshot(actor).label,
    )
    return tables_to_csv(tables, titles=True)
