"""Pure rules for inspection: the reproducible stratified sample and the answer percentages."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Candidate:
    unit_id: int
    stratum: str
    case_id: int


def allocate(sizes: Mapping[str, int], total: int) -> dict[str, int]:
    """Split `total` picks across strata in proportion to their size (largest remainder; ties by name),
    never more than a stratum holds."""
    available = sum(sizes.values())
    total = min(total, available)
    if not total:
        return {name: 0 for name in sizes}
    exact = {name: total * size / available for name, size in sizes.items()}
    picks = {name: int(share) for name, share in exact.items()}
    by_remainder = sorted(sizes, key=lambda name: (-(exact[name] - picks[name]), name))
    for name in by_remainder[: total - sum(picks.values())]:
        picks[name] += 1
    return picks


def draw_sample(candidates: Iterable[Candidate], *, seed: str, per_unit: int) -> list[Candidate]:
    """Up to `per_unit` files from each unit, stratified by case type. Each unit's shuffle is seeded by
    (seed, unit), so the same seed over the same register draws the same files, and adding a unit does
    not change another unit's files."""
    by_unit: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for candidate in candidates:
        by_unit[candidate.unit_id][candidate.stratum].append(candidate.case_id)
    chosen: list[Candidate] = []
    for unit_id in sorted(by_unit):
        strata = by_unit[unit_id]
        picks = allocate({name: len(ids) for name, ids in strata.items()}, per_unit)
        rng = random.Random(f"{seed}|{unit_id}")
        for name in sorted(strata):
            ids = sorted(strata[name])
            rng.shuffle(ids)
            chosen.extend(Candidate(unit_id, name, case_id) for case_id in sorted(ids[: picks[name]]))
    return chosen


def answer_percentages(counts: Mapping[str, int]) -> dict[str, float | None]:
    """Shares of fully / partially / not met among the applicable answers (N/A excluded), as the
    inspectorate reports them."""
    applicable = sum(counts.get(key, 0) for key in ("fully", "partially", "not_met"))
    return {
        key: (round(100 * counts.get(key, 0) / applicable, 1) if applicable else None)
        for key in ("fully", "partially", "not_met")
    }
