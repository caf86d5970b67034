"""`casework quality_question_set show|export|publish`: IQA question sets as versioned data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.core.errors import CaseworkError
from casework.quality import services
from casework.quality.models import QuestionSet


def as_spec(qs: QuestionSet) -> dict[str, Any]:
    return {
        "code": qs.code,
        "title": qs.title,
        "source": qs.source,
        "effective_from": qs.effective_from.isoformat(),
        "sections": [
            {
                "code": s.code,
                "title": s.title,
                "standard": s.standard,
                "questions": [
                    {
                        "code": q.code,
                        "text": q.text,
                        "guidance": q.guidance,
                        "scale": q.scale,
                        "comment_not_needed_for": q.comment_not_needed_for,
                        "kinds": q.kinds,
                        "stages": q.stages,
                    }
                    for q in s.questions.all()
                ],
            }
            for s in qs.sections.prefetch_related("questions")
        ],
    }


class Command(BaseCommand):
    help = "List question set versions, export one as JSON, or publish a new version from a JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["show", "export", "publish"])
        parser.add_argument("--code", default="iqa")
        parser.add_argument(
            "--set-version", type=int, dest="set_version", help="For export: which version (default latest)."
        )
        parser.add_argument("--file", type=Path, help="For publish: the JSON file (the shape export writes).")
        parser.add_argument("--note", default="", help="For publish: what changed.")

    def handle(self, *args: Any, **options: Any) -> None:
        versions = QuestionSet.objects.filter(code=options["code"]).order_by("-version")
        if options["action"] == "show":
            for qs in versions:
                self.stdout.write(f"{qs.code} v{qs.version} from {qs.effective_from}: {qs.title} ({qs.change_note})")
            return
        if options["action"] == "export":
            chosen = versions.filter(version=options["set_version"]) if options["set_version"] else versions
            found = chosen.first()
            if found is None:
                raise CommandError("No such question set version.")
            self.stdout.write(json.dumps(as_spec(found), indent=2, ensure_ascii=False))
            return
        if not options["file"]:
            raise CommandError("publish needs --file.")
        try:
            spec = json.loads(options["file"].read_text())
            qs = services.question_set_publish(actor=None, spec=spec, change_note=options["note"])
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from error
        except CaseworkError as error:
            raise CommandError(error.message) from error
        self.stdout.write(self.style.SUCCESS(f"Published {qs.code} version {qs.version} from {qs.effective_from}."))
