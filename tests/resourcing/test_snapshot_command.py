from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command


def test_snapshot_json_covers_every_unit(personas, case_a) -> None:
    out = StringIO()
    call_command("resourcing_snapshot", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["units"] == len(body["by_unit"]) >= 2 and body["open_cases"] == 1 and body["seconds"] >= 0
    wessex = next(u for u in body["by_unit"] if u["unit"] == "ccu-wessex")
    assert wessex["open_cases"] == 1 and wessex["staff"] >= 3
