"""casework load_partners_demo --seed S"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.partners.demo import load_partners_demo


class Command(BaseCommand):
    help = "Load police partnership demo data (agreements for every force, persona referrals). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_partners_demo(seed=options["seed"])
        self.stdout.write(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in sorted(counts.items())))
