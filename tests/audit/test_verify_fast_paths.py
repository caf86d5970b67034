"""The fast verification paths (canonical JSON built by SQLite, parallel readers) agree with the
Python reference encoder, and a disagreement is never reported as tampering."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.audit import chain, services, verification
from casework.audit.parallel_read import iter_hash_inputs_parallel
from casework.audit.services import iter_chain_rows

COLUMNS = ", ".join(chain.STORED_FIELDS)
_json_db = sqlite3.connect(":memory:")


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(alphabet=st.characters(exclude_categories=["Cs"])), min_size=1, max_size=4),
    number=st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1)),
)
def test_sqlite_json_array_matches_the_python_encoder(texts, number):
    placeholders = ", ".join("?" * (len(texts) + 1))
    from_sqlite = _json_db.execute(f"SELECT json_array({placeholders})", [*texts, number]).fetchone()[0]
    assert from_sqlite.encode() == chain.canonical_bytes([*texts, number])


def copy_trail_to_file(path: Path) -> None:
    """The trail's rows in a plain SQLite file, as a deployment's database would hold them."""
    target = sqlite3.connect(path)
    target.execute(f"CREATE TABLE audit_auditevent ({COLUMNS}, prev_hash, hash)")
    target.executemany(
        f"INSERT INTO audit_auditevent VALUES ({', '.join('?' * (len(chain.STORED_FIELDS) + 2))})",
        [tuple(row) for row in iter_chain_rows()],
    )
    target.commit()
    target.close()


def test_parallel_readers_return_every_event_in_order(make_events, tmp_path):
    make_events(103)
    database = tmp_path / "trail.sqlite3"
    copy_trail_to_file(database)
    rows = list(iter_hash_inputs_parallel(database=database, upto=103, workers=2, chunk=10))
    assert [row[0] for row in rows] == list(range(1, 104))
    assert chain.verify_hash_inputs(rows) == (104, rows[-1][5], 103)


def test_parallel_readers_find_an_edited_event(make_events, tmp_path):
    make_events(40)
    database = tmp_path / "trail.sqlite3"
    copy_trail_to_file(database)
    with sqlite3.connect(database) as writer:
        writer.execute("UPDATE audit_auditevent SET justification = 'edited' WHERE seq = 27")
    with pytest.raises(chain.ChainBreak) as broken:
        chain.verify_hash_inputs(iter_hash_inputs_parallel(database=database, upto=40, chunk=8))
    assert broken.value.seq == 27
    assert broken.value.checked == 26


def test_a_fast_path_mismatch_is_rechecked_in_python(make_events, monkeypatch):
    """If the database's JSON ever differed from Python's, the reference encoder decides."""
    if connection.vendor != "sqlite":
        pytest.skip("the database-encoding path exists only on SQLite")
    make_events(12)

    def skewed_inputs(**kwargs):
        for seq, hash_input, *rest in services.iter_hash_inputs(**kwargs):
            yield seq, (hash_input + b" " if seq == 5 else hash_input), *rest

    monkeypatch.setattr(verification, "iter_hash_inputs", skewed_inputs)
    monkeypatch.setattr(verification, "sqlite_hash_inputs_available", lambda: True)
    report = verification.verify_chain()
    assert report.intact
    assert report.events_checked == 12
    assert report.last_seq == 12


@pytest.mark.parametrize("database_encoding", [True, False])
def test_both_paths_report_the_same_break(make_events, database_encoding):
    from tests.audit.conftest import drop_append_only_triggers, raw

    make_events(9)
    drop_append_only_triggers()
    raw("UPDATE audit_auditevent SET subject_id = 'x' WHERE seq = 7")
    report = verification.verify_chain(use_database_encoding=database_encoding)
    assert (report.intact, report.first_broken_seq, report.events_checked, report.last_seq) == (False, 7, 6, 6)
