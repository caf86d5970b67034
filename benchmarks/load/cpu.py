"""CPU seconds used so far by process trees (a gunicorn master and its workers; a PostgreSQL postmaster
and its backends), read from /proc. Printed as JSON: {"label": seconds, ...}.

    python benchmarks/load/cpu.py web=PID db=PID

CPU time, unlike wall time, hardly depends on how many other jobs share the machine, so CPU per
request is the load test's contention-proof figure. A tree's total is the live processes' own time
plus the root's reaped children (a worker restarted by gunicorn, a closed database connection).
Standard library only; Linux only.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after its closing bracket.
    return text[text.rindex(")") + 2 :].split()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def tree_cpu_seconds(root: int) -> float:
    fields = _stat(root)
    if fields is None:
        return 0.0
    # After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    ticks = sum(int(value) for value in fields[11:15])
    for child in _children(root):
        if child_fields := _stat(child):
            ticks += int(child_fields[11]) + int(child_fields[12])
    return ticks / TICKS


def main(argv: list[str]) -> None:
    result = {}
    for item in argv:
        label, _, pid = item.partition("=")
        result[label] = round(tree_cpu_seconds(int(pid)), 2) if pid.isdigit() else None
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
