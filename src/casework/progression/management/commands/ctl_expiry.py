"""casework ctl_expiry --regime {summary,either_way,crown,retrial} --start YYYY-MM-DD [--event ...] [--json]

The whole custody history: the start (first remand; for `crown` the sending in custody; for
`retrial` the order or bill), then repeated --event bailed:D, remanded:D, sent:D, retrial:D,
plea:D, trial:D or extended:GRANTED_ON:NEW_EXPIRY. An impossible history exits non-zero with a
message that says what is wrong.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.core import clock
from casework.core.bank_holidays import working_calendar
from casework.core.working_days import CalendarNotCovered, day_and_date
from casework.progression import calculator, selectors
from casework.progression.rules import InvalidInput, Regime, RuleNotFound


class Command(BaseCommand):
    help = "Work out a custody time limit expiry from the whole custody history, and explain it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--regime", required=True, choices=[r.value for r in Regime])
        parser.add_argument(
            "--start",
            required=True,
            help="First remand in custody; crown: the sending in custody; retrial: the order or bill (YYYY-MM-DD)",
        )
        parser.add_argument(
            "--event",
            action="append",
            default=[],
            metavar="KIND:DATE",
            help=f"A later event, repeatable: {calculator.EVENT_HELP}",
        )
        parser.add_argument("--summary-trial-decided-on", default=None, help="Either-way only (YYYY-MM-DD)")
        parser.add_argument(
            "--prior-custody-days",
            type=int,
            default=0,
            help="Crown Court regime only: days in the magistrates' court's custody before the sending",
        )
        parser.add_argument("--first-custody", default=None, help="Date first in custody for the offence (YYYY-MM-DD)")
        parser.add_argument("--born", default=None, help="The defendant's date of birth (YYYY-MM-DD)")
        parser.add_argument("--today", default=None, help="Read the clock as on this date (default: today)")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of text")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            history = self._history(options)
            answer = calculator.calculate(history, rules=selectors.engine_rules(), calendar=working_calendar())
        except (InvalidInput, RuleNotFound, CalendarNotCovered) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(answer.as_dict(), indent=2))
            return
        reading = answer.reading
        for warning in answer.warnings:
            self.stderr.write(f"Warning: {warning}")
        if reading.expires_on is not None:
            self.stdout.write(f"Expires on {day_and_date(reading.expires_on)} ({reading.expires_on.isoformat()})")
        else:
            self.stdout.write(f"Status: {reading.status.value.replace('_', ' ')}")
        if reading.notice is not None:
            self.stdout.write(f"Serve notice of an extension application by {day_and_date(reading.notice.due_on)}")
        if reading.failure is not None:
            self.stdout.write(
                f"Expired: the limit ended on {day_and_date(reading.failure.expired_on)}. If the defendant was "
                "still in custody after that, it is a custody time limit failure to report."
            )
        for line in reading.explanation:
            self.stdout.write(f"  - {line}")

    @staticmethod
    def _history(options: dict[str, Any]) -> calculator.History:
        def date_or_none(option: str, value: str | None) -> Any:
            return calculator.parse_date(value, option) if value else None

        today = date_or_none("--today", options["today"]) or clock.today()
        return calculator.History(
            regime=Regime(options["regime"]),
            start=calculator.parse_date(options["start"], "--start"),
            today=today,
            events=[calculator.parse_event(text) for text in options["event"]],
            summary_trial_decided_on=date_or_none("--summary-trial-decided-on", options["summary_trial_decided_on"]),
            prior_custody_days=options["prior_custody_days"],
            first_custody_on=date_or_none("--first-custody", options["first_custody"]),
            born_on=date_or_none("--born", options["born"]),
        )
