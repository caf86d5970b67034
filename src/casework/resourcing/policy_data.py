"""Version 1 of the REM policy, loaded by migration 0002. No public REM definition exists, so every
figure here is local policy (our design) unless its source says otherwise; change it by publishing a
new version, never by editing this one."""

from __future__ import annotations

from typing import Any

LOCAL = "Local policy (no public REM figure exists)"

POLICY_V1_SOURCE = (
    "Local policy: REM design per HMCPSI CCU inspection (2021) recommendation 1; points-and-capacity "
    "arithmetic after the probation workload measurement tool"
)

POLICY_V1: dict[str, Any] = {
    "thresholds": {
        "defendants": [[2, 1], [4, 2], [6, 3]],
        "victims": [[5, 1], [20, 2]],
        "witnesses": [[30, 1], [100, 2]],
        "pages_of_evidence": [[5000, 1], [20000, 2], [100000, 3]],
        "unused_material_pages": [[10000, 1], [50000, 2]],
        "trial_estimate_days": [[10, 1], [20, 2], [40, 3]],
        "international_element": [[1, 2]],
        "media_interest": [[1, 1]],
        "custody": [[1, 1], [3, 2]],
    },
    "offence_points": {"homicide": 2, "trafficking": 2, "sexual": 1, "child-abuse": 1, "fraud": 1, "corruption": 1},
    "bands": [
        {"code": "standard", "label": "Standard", "min_score": 0, "points": 10},
        {"code": "medium", "label": "Medium", "min_score": 4, "points": 18},
        {"code": "high", "label": "High", "min_score": 8, "points": 30},
        {"code": "very_high", "label": "Very high", "min_score": 12, "points": 45},
    ],
    "high_band_codes": ["high", "very_high"],
    "stage_weights": {
        "pre_charge": "0.6",
        "charging_decision": "0.8",
        "charged": "1.0",
        "ptph": "1.0",
        "trial_preparation": "1.2",
        "trial": "1.5",
        "sentence": "0.4",
    },
    "role_weights": {"lead": "1.0", "deputy": "0.5", "paralegal": "0.6", "manager": "0.1"},
    "grade_targets": {
        "crown-prosecutor": 100,
        "senior-crown-prosecutor": 120,
        "specialist-prosecutor": 120,
        "senior-specialist-prosecutor": 120,
        "legal-manager-1": 60,
        "legal-manager-2": 40,
        "unit-head": 20,
        "senior-paralegal-officer": 110,
        "paralegal-officer": 100,
        "paralegal-assistant": 80,
    },
    "default_target": 100,
    "standard_hours": "37",
    "currency_days": 14,
    "sources": {
        "thresholds": LOCAL,
        "bands": LOCAL,
        "stage_weights": LOCAL,
        "role_weights": LOCAL,
        "grade_targets": LOCAL,
        "standard_hours": "Civil service full-time week (37 hours, London 36)",
        "currency_days": "Local policy: configurable default 14 days",
    },
}
