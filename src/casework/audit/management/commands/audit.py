"""`casework audit verify|checkpoint|prove|export`: check, seal and hand over the audit trail."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.audit.checkpoints import checkpoint_create, prove
from casework.audit.exports import export_write
from casework.audit.verification import FullReport, verify_all
from casework.core.errors import CaseworkError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date; use YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = "Verify, checkpoint, prove inclusion in, or export the audit trail."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,checkpoint,prove,export}")
        verify = commands.add_parser("verify", help="check the hash chain and every external checkpoint")
        verify.add_argument("--json", action="store_true")
        verify.add_argument("--parallel", action="store_true", help="two reader threads (SQLite file, free cores)")
        commands.add_parser("checkpoint", help="sign a Merkle tree head over every event so far")
        prove_parser = commands.add_parser("prove", help="inclusion proof of one event in the latest checkpoint")
        prove_parser.add_argument("seq", type=int)
        prove_parser.add_argument("--json", action="store_true")
        export = commands.add_parser("export", help="JSON-lines export for the Information Commissioner (audited)")
        export.add_argument("--out", required=True, type=Path, help="file to create (never overwritten)")
        export.add_argument("--justification", required=True, help="why the log is disclosed (recorded)")
        export.add_argument("--recipient", required=True, help="who receives it (recorded)")
        export.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD", help="first day (UK date)")
        export.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD", help="last day (UK date)")
        export.add_argument("--actor", help="username of the person making the disclosure")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = {
            "verify": self._verify,
            "checkpoint": self._checkpoint,
            "prove": self._prove,
            "export": self._export,
        }[options["subcommand"]]
        try:
            handler(options)
        except CaseworkError as exc:
            raise CommandError(exc.message) from exc

    def _verify(self, options: dict[str, Any]) -> None:
        report = verify_all(parallel=options["parallel"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self._verify_text(report)
        if not report.intact:
            raise SystemExit(1)

    def _verify_text(self, report: FullReport) -> None:
        chain = report.chain
        rate = f"{chain.events_checked} events in {chain.seconds:.2f}s ({chain.events_per_second:,.0f}/s)"
        if chain.intact:
            self.stdout.write(f"Chain intact: {rate}.")
        else:
            self.stdout.write(f"BROKEN: the chain breaks at seq {chain.first_broken_seq}: {chain.reason}.")
        for check in report.checkpoints:
            state = "ok" if check.ok else f"FAILED: {check.problem}"
            self.stdout.write(f"Checkpoint {check.file} ({check.tree_size} events): {state}")
        if not report.checkpoints:
            self.stdout.write("No external checkpoints found; run `casework audit checkpoint`.")
        self.stdout.write("INTACT" if report.intact else "NOT INTACT")

    def _checkpoint(self, options: dict[str, Any]) -> None:
        checkpoint = checkpoint_create(actor=None)
        self.stdout.write(f"Checkpoint at {checkpoint.tree_size} events, root {checkpoint.root_hash}")

    def _prove(self, options: dict[str, Any]) -> None:
        proof = prove(options["seq"])
        if options["json"]:
            self.stdout.write(json.dumps(proof.as_dict(), indent=2))
        else:
            self.stdout.write(
                f"Event {proof.seq} (hash {proof.event_hash}) is leaf {proof.leaf_index} of the checkpoint at "
                f"{proof.tree_size} events, root {proof.root_hash}. Audit path:"
            )
            for node in proof.audit_path:
                self.stdout.write(f"  {node}")
            self.stdout.write("Proof verified." if proof.verified else "PROOF DOES NOT VERIFY")
        if not proof.verified:
            raise SystemExit(1)

    def _export(self, options: dict[str, Any]) -> None:
        actor = None
        if options["actor"]:
            from casework.people.models import User

            actor = User.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {options['actor']!r}.")
        summary = export_write(
            actor=actor,
            out=options["out"],
            justification=options["justification"],
            recipient=options["recipient"],
            date_from=options["date_from"],
            date_to=options["date_to"],
        )
        self.stdout.write(
            f"Wrote {summary.events} events ({summary.first_seq}..{summary.last_seq}), {summary.leaves} leaf hashes "
            f"and {summary.checkpoints} checkpoints to {summary.path}; disclosure recorded as event "
            f"{summary.disclosure_seq}."
        )
