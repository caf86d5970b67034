"""`casework worker`: run queued background tasks and the recurring schedule."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from casework.core.schedule import SCHEDULE
from casework.core.scheduler import SchedulerThread


class Command(BaseCommand):
    help = "Run background tasks (django-tasks database worker) and enqueue recurring tasks when due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="*", help="Queues to process, comma separated ('*' for all).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls of an empty queue.")
        parser.add_argument(
            "--schedule-interval", type=float, default=30.0, help="Seconds between checks of the recurring schedule."
        )
        parser.add_argument("--no-schedule", action="store_true", help="Run queued tasks only; enqueue nothing.")
        parser.add_argument("--batch", action="store_true", help="Run what is queued now, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = None
        if not options["no_schedule"]:
            for entry in SCHEDULE:
                self.stdout.write(f"schedule: {entry.name:<20} {entry.cadence.describe():<32} {entry.task_path}")
            scheduler = SchedulerThread(interval=options["schedule_interval"])
            scheduler.start()
        try:
            call_command(
                "db_worker",
                queue_name=options["queue_name"],
                interval=options["interval"],
                batch=options["batch"],
                reload=False,
                verbosity=options["verbosity"],
            )
        finally:
            if scheduler is not None:
                scheduler.stop()
