"""The `casework` command: Django's management commands with the settings preset.

`casework demo`, `casework serve`, `casework worker`, `casework load_demo`, `casework audit verify`
and every Django command (`casework migrate`, `casework createsuperuser`, ...).
"""

from __future__ import annotations

import os
import sys

#: `casework demo` runs over plain http on 127.0.0.1, with DEBUG off so it shows the service's own
#: error pages, and serves the static files from the app folders (no collectstatic step). Settings read
#: these when Django starts, which is before any command runs, so they are set here; values already in
#: the environment win.
DEMO_ENVIRONMENT = {
    "DEBUG": "0",
    "SECURE_HTTPS": "0",
    "STATIC_MANIFEST": "0",
    "WHITENOISE_USE_FINDERS": "1",
    "CASEWORK_DEMO_MODE": "1",
}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    if args[:1] == ["demo"]:
        for name, value in DEMO_ENVIRONMENT.items():
            os.environ.setdefault(name, value)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["casework", *args])


if __name__ == "__main__":
    main()
