"""The `casework` command: Django's management commands with the settings preset.

`casework demo`, `casework serve`, `casework worker`, `casework load_demo`, `casework audit verify`
and every Django command (`casework migrate`, `casework createsuperuser`, ...).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["casework", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
