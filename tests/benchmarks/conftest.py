from __future__ import annotations

import sys
from pathlib import Path

# The benchmark scripts import each other as top-level modules (they run as `python benchmarks/run.py`).
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))
