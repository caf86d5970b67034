"""casework ctl_expiry --regime {summary,either_way,crown,retrial} --start YYYY-MM-DD [...]"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.progression import rules, selectors


def parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{option}: {value!r} is not a real date in the form YYYY-MM-DD (e.g. 2026-02-09)."
        ) from None


class Command(BaseCommand):
    help = "Compute a custody time limit expiry and explain how it was reached."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--regime", required=True, choices=[r.value for r in rules.Regime])
        parser.add_argument("--start", required=True, help="First appearance, sending or start of custody (YYYY-MM-DD)")
        parser.add_argument(
            "--prior-custody-days",
            type=int,
            default=0,
            help="Days already spent in custody for this offence (Crown Court regime)",
        )
        parser.add_argument("--summary-trial-decided-on", default=None, help="Either-way only (YYYY-MM-DD)")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of text")

    def handle(self, *args: Any, **options: Any) -> None:
        regime = rules.Regime(options["regime"])
        start = parse_date(options["start"], "--start")
        decided = options["summary_trial_decided_on"]
        decided_on = parse_date(decided, "--summary-trial-decided-on") if decided else None
        try:
            rule = rules.select_rule(selectors.engine_rules(), f"ctl.{regime.value}", start)
            result = rules.ctl_expiry(
                regime=regime,
                start=start,
                rule=rule,
                calendar=selectors.working_calendar(),
                prior_custody_days=options["prior_custody_days"],
                summary_trial_decided_on=decided_on,
            )
        except (rules.InvalidInput, rules.RuleNotFound) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "expires_on": result.expires_on.isoformat(),
                        "limit_days": result.limit_days,
                        "explanation": result.explanation,
                        "rule_version": result.rule_version,
                        "source": result.source,
                    },
                    indent=2,
                )
            )
            return
        self.stdout.write(f"Expires on {result.expires_on:%A %-d %B %Y} ({result.expires_on.isoformat()})")
        for line in result.explanation:
            self.stdout.write(f"  - {line}")
