"""`casework audit verify|checkpoint|prove|export`: check, seal and hand over the audit trail."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.audit import case_lookups
from casework.audit.checkpoints import checkpoint_create, prove
from casework.audit.exports import ExportSummary, export_directory, export_write
from casework.audit.verification import FullReport, verify_all
from casework.core.errors import CaseworkError
from casework.people.models import User


def _case(reference: str) -> Any:
    found = case_lookups.case_by_reference(reference)
    if found is None:
        raise CommandError(f"No case with URN or id {reference!r}.")
    return found


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
        verify.add_argument(
            "--workers",
            type=int,
            default=None,
            metavar="N",
            help="PostgreSQL: processes verifying ranges of the trail (default: CPU count plus one; 1 = none)",
        )
        verify.add_argument(
            "--checkpoints",
            action="append",
            default=[],
            type=Path,
            metavar="DIR",
            help="also check the checkpoint files in DIR (or DIR/checkpoints, e.g. an export); repeatable",
        )
        commands.add_parser("checkpoint", help="sign a Merkle tree head over every event so far")
        prove_parser = commands.add_parser("prove", help="inclusion proof of one event in the latest checkpoint")
        prove_parser.add_argument("seq", type=int)
        prove_parser.add_argument("--json", action="store_true")
        export = commands.add_parser("export", help="export for an inspector or the Information Commissioner (audited)")
        export.add_argument(
            "--out",
            required=True,
            type=Path,
            help="directory to create (events, proofs, checkpoints, public key); a name ending in .jsonl "
            "writes the single-file form instead. Never overwritten.",
        )
        export.add_argument("--case", help="only this case's events in full (URN or id); others as hashes")
        export.add_argument("--since", dest="date_from", type=_date, metavar="YYYY-MM-DD", help="same as --from")
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
        report = verify_all(
            parallel=True if options["parallel"] else None,
            checkpoint_dirs=options["checkpoints"],
            workers=options["workers"],
        )
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
        if chain.redacted_events:
            self.stdout.write(
                f"{chain.redacted_events} events have had their personal values erased; each erasure is logged "
                "and covers them."
            )
        for check in report.checkpoints:
            state = "ok" if check.ok else f"FAILED: {check.problem}"
            if check.first_bad_seq is not None:
                state += f"; first bad seq {check.first_bad_seq}"
            self.stdout.write(f"Checkpoint {check.file} ({check.tree_size} events): {state}")
        for missing in report.missing_files:
            self.stdout.write(
                f"MISSING: checkpoint file {missing['file']} ({missing['tree_size']} events, signed "
                f"{missing['created_at']}) is in no checkpoint directory checked. Restore it from a copy, or run "
                "`casework audit checkpoint` to write it back from the database's signed copy."
            )
        if not report.checkpoints:
            self.stdout.write("No external checkpoints found; run `casework audit checkpoint`.")
        elif report.unsealed_events:
            self.stdout.write(
                f"{report.unsealed_events} events after the last checkpoint (seq {report.last_sealed + 1} to "
                f"{chain.last_seq}), unsealed: only the hash chain protects them until the next checkpoint."
            )
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
            actor = User.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {options['actor']!r}.")
        out: Path = options["out"]
        common = {
            "actor": actor,
            "out": out,
            "justification": options["justification"],
            "recipient": options["recipient"],
            "date_from": options["date_from"],
            "date_to": options["date_to"],
        }
        if out.suffix == ".jsonl":
            if options["case"]:
                raise CommandError("--case needs the directory form of --out (a name not ending in .jsonl).")
            self._export_file(export_write(**common))
            return
        folder = export_directory(**common, case=_case(options["case"]) if options["case"] else None)
        self.stdout.write(
            f"Wrote {folder.events} events ({folder.first_seq}..{folder.last_seq}), {folder.leaves} leaf hashes, "
            f"{folder.proofs} inclusion proofs and {folder.checkpoints} checkpoints to {folder.path}/; disclosure "
            f"recorded as event {folder.disclosure_seq}. Check it with: python3 standalone_verify.py {folder.path}"
        )

    def _export_file(self, summary: ExportSummary) -> None:
        self.stdout.write(
            f"Wrote {summary.events} events ({summary.first_seq}..{summary.last_seq}), {summary.leaves} leaf hashes "
            f"and {summary.checkpoints} checkpoints to {summary.path}; disclosure recorded as event "
            f"{summary.disclosure_seq}."
        )
