"""`casework load_quality_demo --seed S`: a year of IQA activity on the demo data. Safe to re-run."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.quality import demo


class Command(BaseCommand):
    help = "Load a year of fictional quality assessments on the demo cases (one lenient assessor, one coverage gap)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo.load(seed=options["seed"])
        if result is None:
            self.stdout.write("IQA demo data is already loaded; nothing to do.")
            return
        for note in result.notes:
            self.stdout.write(note)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.assessments} assessments ({result.moderated} second-marked). Lenient assessor: "
                f"{result.lenient_assessor or 'none'}; coverage gap: {result.gap_prosecutor or 'none'} in "
                f"{result.gap_quarter or '-'}."
            )
        )
