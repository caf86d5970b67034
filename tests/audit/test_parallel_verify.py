"""Ranges verified apart (PostgreSQL's worker processes) and joined give the single pass's answer.

The workers are separate processes with their own connections, which cannot see a test's
uncommitted events; so these tests run the same range function in this process (mapper=map)."""

from __future__ import annotations

import pytest

from casework.audit import chain, parallel_verify
from casework.audit.checkpoints import chain_length
from casework.audit.services import iter_chain_rows
from tests.audit.conftest import drop_append_only_triggers, raw


@pytest.fixture(autouse=True)
def small_ranges(monkeypatch):
    monkeypatch.setattr(parallel_verify, "RANGE_SIZE", 10)


def run(upto: int | None = None) -> tuple[tuple[int, str, int], chain.Redactions]:
    ledger = chain.Redactions()
    result = parallel_verify.verify_ranges(upto=upto or chain_length(), workers=3, ledger=ledger, mapper=map)
    return result, ledger


def test_joined_ranges_match_one_pass(make_events):
    make_events(35)
    (expected, last_hash, checked), _ = run()
    assert (expected, checked) == (36, 35)
    assert last_hash == chain.verify_rows(iter_chain_rows())[1]


def test_events_appended_after_the_ranges_are_verified_too(make_events):
    make_events(25)
    (expected, _, checked), _ = run(upto=20)
    assert (expected, checked) == (26, 25)


@pytest.mark.parametrize("seq", [5, 11, 20, 21])
def test_a_break_in_any_range_is_named_exactly(make_events, seq):
    make_events(30)
    drop_append_only_triggers()
    raw("UPDATE audit_auditevent SET actor_label = 'x' WHERE seq = %s", [seq])
    with pytest.raises(chain.ChainBreak) as broken:
        run()
    assert broken.value.seq == seq
    assert broken.value.checked == seq - 1


def test_ranges_that_do_not_join_are_caught(make_events):
    make_events(30)
    drop_append_only_triggers()
    raw("UPDATE audit_auditevent SET prev_hash = %s WHERE seq = 11", ["f" * 64])
    with pytest.raises(chain.ChainBreak) as broken:
        run()
    assert broken.value.seq == 11
    assert "prev_hash" in broken.value.reason


def test_only_postgresql_outside_a_transaction_uses_workers(db):
    assert parallel_verify.parallel_workers(4, length=10**6) == 1  # the test runs inside a transaction
