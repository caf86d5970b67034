"""casework load_records_demo --seed S"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.records.demo import load_records_demo


class Command(BaseCommand):
    help = "Load records-management demo data (old finalised case files, legal holds, a restricted case). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_records_demo(seed=options["seed"])
        self.stdout.write(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in sorted(counts.items())))
