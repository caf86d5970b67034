"""Do two swept registers hold the same rows? For checking that a change to the sweeps stores
exactly what the code before it stored.

    # the same register, swept by the code before the change and by this checkout, clock fixed:
    git archive BASE src | tar -x -C /tmp/base
    PYTHONPATH=/tmp/base/src uv run python benchmarks/sweeps_first.py --db REGISTER \\
        --first-only --at 2026-12-01T02:00Z --keep /tmp/before.sqlite3
    uv run python benchmarks/sweeps_first.py --db REGISTER --first-only --at 2026-12-01T02:00Z \\
        --keep /tmp/after.sqlite3
    uv run python benchmarks/sweeps_compare.py /tmp/before.sqlite3 /tmp/after.sqlite3

Every table is compared as a multiset of rows (order and generated keys aside): the columns left
out (LEFT_OUT) are those that differ between any two runs: row ids, the audit chain's random or
chained values, e-mail references, timings. Exits 1 and names the tables that differ, with examples.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections import Counter

#: Columns whose values differ between two runs of the same code: generated keys, random salts and
#: what is hashed from them, an e-mail's random reference, how long a stored figure took to make.
LEFT_OUT = {"id", "seq", "hash", "prev_hash", "salt", "commitment", "reference", "seconds"}
#: Tables that record the run itself (when the copy was migrated).
TABLES_LEFT_OUT = {"django_migrations"}


def _tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [name for (name,) in rows]


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f'PRAGMA table_info("{table}")') if row[1] not in LEFT_OUT]


def compare(before: str, after: str, *, examples: int = 3) -> list[str]:
    """The differences found, one line each (empty when the registers hold the same rows)."""
    left, right = sqlite3.connect(before), sqlite3.connect(after)
    problems: list[str] = []
    tables = _tables(left)
    if tables != _tables(right):
        problems.append(f"different tables: {sorted(set(tables) ^ set(_tables(right)))}")
    for table in tables:
        if table in TABLES_LEFT_OUT:
            continue
        columns = _columns(left, table)
        if columns != _columns(right, table):
            problems.append(f"{table}: different columns")
            continue
        select = "SELECT " + ", ".join(f'"{c}"' for c in columns) + f' FROM "{table}"'  # names from the schema
        a, b = Counter(left.execute(select)), Counter(right.execute(select))
        if a != b:
            only_a, only_b = a - b, b - a
            problems.append(
                f"{table}: {sum(only_a.values())} rows only in the first, {sum(only_b.values())} only in the second;"
                f" columns {columns}; e.g. first {list(only_a)[:examples]}, second {list(only_b)[:examples]}"
            )
        else:
            print(f"{table}: {sum(a.values())} rows, the same", file=sys.stderr)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    args = parser.parse_args()
    problems = compare(args.before, args.after)
    for line in problems:
        print(line)
    print("the same rows" if not problems else f"{len(problems)} tables differ")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
