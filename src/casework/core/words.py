"""Small helpers for writing numbers into sentences the way people read them."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str = "") -> str:
    """'1 case', '2 cases', '0 cases' (never 'case(s)'); `nouns` for irregular plurals."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


def have(count: int) -> str:
    """The verb that agrees with a count: 'has' for one, 'have' otherwise."""
    return "has" if count == 1 else "have"
