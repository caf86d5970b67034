"""Pick the demo sign-ins the load test uses, by role, and write them to a JSON file.

Runs with Django (in its own process, before the load starts), against the database the server
uses. The locust process reads the file and never imports Django.

    python benchmarks/load/accounts.py --out ACCOUNTS.json

Caseworkers and managers come from the two persona units (Wessex and North East), so colleagues
share cases — the allocated lawyer, the deputy, the paralegal and their manager may edit the same
case at the same time, as they do at work. Each role's list is ordered busiest first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: Units whose staff play the caseworkers and managers (the personas' units).
UNITS = ("ccu-wessex", "ccu-north-east")
PER_ROLE_LIMIT = 24


def select_accounts() -> dict[str, Any]:
    from django.db.models import Count

    from casework.demo.management.commands.load_demo import demo_password
    from casework.people.choices import RoleCode
    from casework.people.models import User

    def usernames(queryset: Any) -> list[str]:
        return list(queryset.filter(is_active=True).values_list("username", flat=True)[:PER_ROLE_LIMIT])

    caseworkers = User.objects.filter(unit__code__in=UNITS)
    prosecutors = (
        caseworkers.filter(roles__code=RoleCode.PROSECUTOR)
        .annotate(caseload=Count("allocated_cases", distinct=True))
        .filter(caseload__gt=0)
        .order_by("-caseload", "username")
    )
    paralegals = (
        caseworkers.filter(roles__code=RoleCode.PARALEGAL)
        .annotate(caseload=Count("paralegal_cases", distinct=True))
        .filter(caseload__gt=0)
        .order_by("-caseload", "username")
    )
    managers = caseworkers.filter(roles__code__in=[RoleCode.LEGAL_MANAGER, RoleCode.UNIT_HEAD]).order_by("username")
    accounts = {
        "prosecutor": usernames(prosecutors),
        "paralegal": usernames(paralegals),
        "manager": usernames(managers.distinct()),
        "area": usernames(
            User.objects.filter(roles__code=RoleCode.AREA_LEADERSHIP, area__isnull=False).order_by("username")
        ),
        "hq": usernames(User.objects.filter(roles__code=RoleCode.HQ_ANALYST).order_by("username")),
        "inspector": usernames(User.objects.filter(roles__code=RoleCode.INSPECTOR).order_by("username")),
        "police": usernames(
            User.objects.filter(roles__code=RoleCode.POLICE_LIAISON, police_force__isnull=False).order_by("username")
        ),
    }
    empty = sorted(role for role, names in accounts.items() if not names)
    if empty:
        raise SystemExit(f"accounts: no demo users for {', '.join(empty)}; was the demo data loaded?")
    return {"password": demo_password(), "accounts": accounts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    selected = select_accounts()
    args.out.write_text(json.dumps(selected, indent=2))
    args.out.chmod(0o600)  # it holds the demo password
    counts = ", ".join(f"{role} {len(names)}" for role, names in selected["accounts"].items())
    print(f"accounts: {counts}")


if __name__ == "__main__":
    main()
