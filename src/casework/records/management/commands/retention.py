"""`casework retention review|dispose|schedule`: what the retention schedule makes due, and disposal.

casework retention review [--json] [--unit U]
casework retention dispose [--unit U] [--dry-run]           what records officers approved
casework retention dispose --case ID --approved-by USERNAME --reason TEXT
casework retention schedule [--json]
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.core.errors import CaseworkError
from casework.people.models import Unit
from casework.records import selectors, services
from casework.records.choices import RetentionState


def _unit(reference: str | None) -> Any:
    if not reference:
        return None
    from django.db.models import Q

    query = Q(code__iexact=reference) | Q(name__iexact=reference)
    if reference.isdigit():
        query |= Q(pk=int(reference))
    unit = Unit.objects.filter(query).first()
    if unit is None:
        names = ", ".join(Unit.objects.order_by("code").values_list("code", flat=True))
        raise CommandError(f"No unit {reference!r}. Give a unit code ({names}), name or id.")
    return unit


class Command(BaseCommand):
    help = "Review what the retention schedule makes due, and dispose of what records officers approved."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="{review,dispose,schedule}")
        review = commands.add_parser("review", help="records due for review, approved, held or kept longer")
        review.add_argument("--json", action="store_true")
        review.add_argument("--unit", help="one unit (code, name or id)")
        dispose = commands.add_parser("dispose", help="dispose of approved records, or of one finalised case")
        dispose.add_argument("--unit", help="only this unit's approved records (code, name or id)")
        dispose.add_argument("--dry-run", action="store_true", help="list what would be disposed of; change nothing")
        dispose.add_argument("--case", type=int, metavar="ID", help="dispose of this one finalised case now")
        dispose.add_argument("--approved-by", metavar="USERNAME", help="with --case: the records officer approving it")
        dispose.add_argument("--reason", help="with --case: why it is disposed of now (recorded)")
        dispose.add_argument("--batch-size", type=int, default=services.BATCH_SIZE)
        schedule = commands.add_parser("schedule", help="the retention schedule in force")
        schedule.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = {"review": self._review, "dispose": self._dispose, "schedule": self._schedule}[options["subcommand"]]
        try:
            handler(options)
        except CaseworkError as exc:
            raise CommandError(exc.message) from exc

    def _review(self, options: dict[str, Any]) -> None:
        unit = _unit(options["unit"])
        items = selectors.review_list(unit_id=unit.pk if unit else None)
        if options["json"]:
            self.stdout.write(json.dumps({"records": [item.as_dict() for item in items]}, indent=2))
            return
        if not items:
            self.stdout.write("Nothing is due for review.")
            return
        for state in (RetentionState.DUE, RetentionState.APPROVED, RetentionState.HELD, RetentionState.EXTENDED):
            group = [item for item in items if item.verdict.state == state]
            if not group:
                continue
            self.stdout.write(f"{RetentionState(state).label}: {len(group)}")
            for item in group:
                due = f"due {item.verdict.due_on:%d %b %Y}" if item.verdict.due_on else ""
                self.stdout.write(f"  {item.record_type_label}: {item.label} ({item.unit_name or 'national'}) {due}")
                self.stdout.write(f"    {item.verdict.explanation}")

    def _dispose(self, options: dict[str, Any]) -> None:
        if options["case"] is not None:
            if not options["approved_by"] or not (options["reason"] or "").strip():
                raise CommandError("--case needs --approved-by USERNAME and --reason TEXT.")
            record = services.dispose_case_now(
                approver_username=options["approved_by"], case_id=options["case"], reason=options["reason"]
            )
            self.stdout.write(
                f"Disposed of {record.label}: {record.rows_total} rows erased, {record.audit_events_redacted} audit "
                f"events redacted; erasure logged as audit event {record.erase_event_seq}."
            )
            return
        if options["approved_by"] or options["reason"]:
            raise CommandError("--approved-by and --reason go with --case ID.")
        unit = _unit(options["unit"])
        summary = services.dispose_approved(
            unit_id=unit.pk if unit else None,
            dry_run=options["dry_run"],
            batch_size=max(1, options["batch_size"]),
            progress=self.stdout.write,
        )
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: {len(summary.planned)} approved records would be disposed of; nothing changed."
            )
            for item in summary.planned:
                self.stdout.write(f"  {item.record_type_label}: {item.label} ({item.unit_name or 'national'})")
            return
        if not summary.planned:
            self.stdout.write("No approved records to dispose of.")
            return
        self.stdout.write(
            f"Disposed of {len(summary.disposed)} of {len(summary.planned)} approved records "
            f"(run {summary.run_id}); {len(summary.skipped)} skipped."
        )
        for item, why in summary.skipped:
            self.stdout.write(f"  skipped {item.label}: {why}")

    def _schedule(self, options: dict[str, Any]) -> None:
        in_force = selectors.rules_in_force()
        if options["json"]:
            rows = [
                {
                    "code": r.code,
                    "version": r.version,
                    "record_type": r.record_type,
                    "outcome": r.outcome,
                    "period_months": r.period_months,
                    "trigger": r.trigger,
                    "action": r.action,
                    "source": r.source,
                    "local_policy": r.is_local_policy,
                    "effective_from": r.effective_from.isoformat(),
                }
                for r in in_force
            ]
            self.stdout.write(json.dumps({"rules": rows}, indent=2))
            return
        for r in in_force:
            outcome = f" ({r.outcome})" if r.outcome else ""
            local = " [local policy]" if r.is_local_policy else ""
            self.stdout.write(
                f"{r.code} v{r.version}: {r.get_record_type_display()}{outcome}, {r.period_text} "
                f"from {r.get_trigger_display()}; {r.get_action_display().lower()}{local}"
            )
