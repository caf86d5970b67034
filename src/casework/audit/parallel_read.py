"""Reading the chain's hash inputs from a SQLite file with two reader threads.

Most of the cost of verifying the chain is SQLite building each event's canonical JSON, and the
sqlite3 driver releases the GIL while it does that: two readers on their own read-only
connections fetch seq ranges in parallel (WAL lets readers run side by side) while the calling
thread hashes. Used only outside a transaction (so every committed event is visible to the
other connections) and on a database file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.db import connection

from casework.audit.chain import HashInput
from casework.audit.services import hash_input_sql


def database_file_for_parallel_reads() -> Path | None:
    """The SQLite file to read in parallel, or None when the single-connection path must be used."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return None
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    path = Path(name)
    return path if path.is_file() else None


def iter_hash_inputs_parallel(
    *, database: Path, upto: int, workers: int = 2, chunk: int = 50_000
) -> Iterator[HashInput]:
    """(seq, prev_hash + canonical bytes, prev_hash, hash) for seq 1..upto, in seq order."""
    sql = hash_input_sql(bounded=True)
    local = threading.local()
    opened: list[sqlite3.Connection] = []
    lock = threading.Lock()

    def fetch(start: int) -> list[Any]:
        reader = getattr(local, "reader", None)
        if reader is None:
            reader = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            local.reader = reader
            with lock:
                opened.append(reader)
        return reader.execute(sql, (start, min(start + chunk, upto + 1))).fetchall()

    starts = iter(range(1, upto + 1, chunk))
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audit-verify") as pool:
            pending: deque[Future[list[Any]]] = deque(pool.submit(fetch, s) for s in list(_take(starts, 2 * workers)))
            while pending:
                rows = pending.popleft().result()
                following = next(starts, None)
                if following is not None:  # keep a bounded number of chunks in flight
                    pending.append(pool.submit(fetch, following))
                yield from rows
    finally:
        for reader in opened:
            reader.close()


def _take(iterator: Iterator[int], count: int) -> Iterator[int]:
    for _ in range(count):
        value = next(iterator, None)
        if value is None:
            return
        yield value
