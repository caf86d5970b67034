"""PostgreSQL's fast verification path: rows read in binary in the order the hash takes them
(chain.READ_ORDER) and checked by chain.verify_read_order_rows.

The reader must give the reference reader's values exactly (every column type, NULLs, unicode,
control characters, JSON), and the fast check must give the reference's answer for every trail:
the same fault, the same seq, the same count of intact events, the same redactions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson
import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.audit import chain, parallel_verify, services
from casework.audit.erasure import erase_case_events
from casework.audit.services import SYSTEM_ACTOR, ActorSnapshot, PendingEvent, iter_chain_rows
from casework.audit.verification import verify_chain
from tests.audit.conftest import drop_append_only_triggers, raw
from tests.audit.test_erasure import legacy_events
from tests.audit.test_tamper_kinds import TAMPERING

ODD_TEXTS = [
    "Zoë O'Brien-Łukasz",
    "名前 \u200f\u05e9\u05dc\u05d5\u05dd 🙂",
    'quote " and backslash \\ and slash /',
    "tab\tnewline\ncarriage\rbell\x07 escape\x1b del\x7f",
    "line separator \u2028 paragraph \u2029",
    "",
]
STORED_NAMES = (*chain.STORED_FIELDS, "prev_hash", "hash")


def in_read_order(stored: Sequence[Any]) -> tuple[Any, ...]:
    """A reference row (STORED_FIELDS, prev_hash, hash) in chain.READ_ORDER, as the binary reader gives it."""
    values = dict(zip(STORED_NAMES, stored, strict=True))
    return tuple(chain.V2_MARK if name == "v2_mark" else values[name] for name in chain.READ_ORDER)


def odd_trail() -> None:
    """Events with every kind of value the trail holds: format-1 events (one case of them erased),
    format-2 events with unicode, control characters, quotes, empty and null values, nested JSON
    changes, a person as actor and the system, a 62-bit case id; and a format-2 erasure."""
    legacy_events(7, 3)
    person = ActorSnapshot(actor_id=41, label="Zoë Ñúñez (zoe)", role="Lawyer", unit="Wessex — CCU")
    for index, text in enumerate(ODD_TEXTS):
        services.record_many(
            actor=person if index % 2 else SYSTEM_ACTOR,
            events=[
                PendingEvent(
                    action="alter",
                    subject_type="cases.defendant",
                    subject_id=text[:60],
                    subject_label=text,
                    case_id=None if index == 0 else 2**62 + index,
                    changes={"name": [text, None], "nested": [{"a": [1, 2.5, True]}, {"b": text}]},
                    justification=text,
                    recipient=text[:200],
                ),
                PendingEvent(action="consult", subject_type="cases.case", subject_id="9", case_id=9, justification="x"),
            ],
        )
    services.record_many(
        actor=SYSTEM_ACTOR,
        events=[PendingEvent(action="consult", subject_type="cases.case", subject_id="7", subject_label="Alex SMITH",
                             case_id=7, justification="Checking Alex SMITH")],
    )  # fmt: skip
    erase_case_events(actor=None, case_id=7, subject_label="01TS0000007", justification="Retention period ended")
    after = PendingEvent(action="consult", subject_type="cases.case", subject_id="9", subject_label="Ωmega", case_id=9,
                         justification="after the erasure")  # fmt: skip
    services.record_many(actor=SYSTEM_ACTOR, events=[after])


def outcome(verify: Callable[..., tuple[int, str, int]], rows: list[Any]) -> tuple[Any, ...]:
    ledger = chain.Redactions()
    try:
        result: tuple[Any, ...] = verify(rows, redactions=ledger)
    except chain.ChainBreak as broken:
        result = ("broken", broken.seq, broken.reason, broken.checked, broken.last_hash)
    return result, ledger.count, ledger.legacy, ledger.seals, ledger.first_bad_seal()


def both_outcomes(rows: list[Sequence[Any]]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    return outcome(chain.verify_rows, rows), outcome(chain.verify_read_order_rows, [in_read_order(r) for r in rows])


# --- the fast check against the reference, on any database ---------------------------------


def test_an_intact_trail_of_every_kind_of_event_verifies_like_the_reference(db):
    odd_trail()
    rows = list(iter_chain_rows())
    reference, fast = both_outcomes(rows)
    assert fast == reference
    assert reference[0][0] == len(rows) + 1 and reference[1] == 4  # 3 format-1 events and the consult redacted


def _edit(column: str, value: Any, seq: int = 6) -> Callable[[list[list[Any]]], None]:
    def change(rows: list[list[Any]]) -> None:
        rows[seq - 1][STORED_NAMES.index(column)] = value

    return change


FAULTS: dict[str, Callable[[list[list[Any]]], None]] = {
    "edited personal value": _edit("justification", "edited"),
    "edited hashed value": _edit("actor_label", "someone"),
    "edited instant": _edit("occurred_at", "2026-01-01 00:00:00.000000"),
    "edited commitment": _edit("commitment", "0" * 64),
    "salt removed": _edit("salt", None),
    "unknown format": _edit("format", 3),
    "edited redacted format-1 event": _edit("action", "consult", seq=2),
    "broken link": _edit("prev_hash", "f" * 64),
    "edited hash": _edit("hash", "e" * 64),
    "seq out of order": _edit("seq", 99),
    "deleted event": lambda rows: rows.pop(5),
    "inserted event": lambda rows: rows.insert(5, [*rows[5][:-2], rows[4][-1], "a" * 64]),
    "redacted without its seal": _edit("erased_by", 4, seq=8),
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_every_fault_is_named_like_the_reference(db, fault):
    odd_trail()
    rows = [list(row) for row in iter_chain_rows()]
    fault(rows)
    reference, fast = both_outcomes(rows)
    assert fast == reference
    caught = reference[0][0] == "broken" or reference[4] is not None
    assert caught or fault is FAULTS["redacted without its seal"]  # that one is caught in SQL, after the chain


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.text(alphabet=st.characters(exclude_categories=["Cs"])), min_size=1, max_size=4),
    number=st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1)),
)
def test_orjson_of_a_row_slice_is_the_reference_encoding(texts, number):
    """The fast check encodes tuples (row slices) with orjson; the writer uses the reference encoder."""
    assert orjson.dumps((*texts, number)) == chain.canonical_bytes([*texts, number])


# --- the binary reader itself: PostgreSQL only ---------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the binary reader is PostgreSQL's (SQLite builds the JSON itself)"
)


@postgresql_only
def test_the_binary_reader_gives_the_reference_values_for_every_column(db):
    odd_trail()
    reference = list(iter_chain_rows())
    binary = list(services.iter_read_order_rows(batch_size=4))
    assert [chain.stored_row(row) for row in binary] == [tuple(row) for row in reference]
    for got, want in zip(binary, reference, strict=True):
        assert [type(value) for value in chain.stored_row(got)] == [type(value) for value in want]


@postgresql_only
def test_the_binary_reader_gives_byte_identical_canonical_forms(db):
    odd_trail()
    checked = 0
    for row, stored in zip(services.iter_read_order_rows(), iter_chain_rows(), strict=True):
        values = dict(zip(STORED_NAMES, stored, strict=True))
        if values["format"] == chain.FORMAT_2 and values["erased_by"] is None:
            assert orjson.dumps(row[: 1 + len(chain.V2_HASHED_FIELDS)]) == chain.canonical_bytes(
                chain.v2_values(values)
            )
            personal = row[chain.READ_ORDER.index("subject_label") : chain.READ_ORDER.index("justification") + 1]
            assert orjson.dumps(personal) == chain.canonical_bytes([values[n] for n in chain.PERSONAL_FIELDS])
            checked += 1
    assert checked >= 2 * len(ODD_TEXTS)


@postgresql_only
def test_the_binary_reader_pages_through_a_window(make_events):
    make_events(45)
    rows = list(services.iter_read_order_rows(batch_size=7, start_seq=5, end_seq=40))
    assert [row[chain.READ_ORDER.index("seq")] for row in rows] == list(range(5, 41))


@postgresql_only
def test_postgresql_verifies_through_the_binary_reader(db):
    odd_trail()
    report = verify_chain()
    assert (report.path, report.intact, report.redacted_events) == ("binary", True, 4), report
    assert report.last_hash == verify_chain(use_database_encoding=False).last_hash


@postgresql_only
@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_the_binary_path_reports_each_kind_of_tampering_as_the_reference_does(make_events, tamper):
    make_events(12)
    tamper()
    fast, reference = verify_chain(), verify_chain(use_database_encoding=False)
    assert (fast.path, reference.path) == ("binary", "python")
    assert (fast.intact, fast.first_broken_seq, fast.reason, fast.events_checked) == (
        reference.intact,
        reference.first_broken_seq,
        reference.reason,
        reference.events_checked,
    )


@postgresql_only
@pytest.mark.parametrize("seq", [3, 10, 11, 24])
def test_ranges_read_in_binary_name_a_break_exactly(make_events, monkeypatch, seq):
    monkeypatch.setattr(parallel_verify, "RANGE_SIZE", 10)
    make_events(30)
    drop_append_only_triggers()
    raw("UPDATE audit_auditevent SET subject_label = 'x' WHERE seq = %s", [seq])
    with pytest.raises(chain.ChainBreak) as broken:
        parallel_verify.verify_ranges(upto=25, workers=2, ledger=chain.Redactions(), mapper=map, binary=True)
    assert (broken.value.seq, broken.value.checked) == (seq, seq - 1)
