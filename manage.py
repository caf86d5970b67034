#!/usr/bin/env python
"""Django's manage.py, for those who expect it; `casework` does the same."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from casework.cli import main

if __name__ == "__main__":
    main()
