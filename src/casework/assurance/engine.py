"""The assurance engine: applies the rules in force to a case's facts. Pure: no ORM, no clock.

One verdict per rule version in force: met, not met, not applicable, waived or exempt, each with
the rule id and version, its source, the reason in plain English, the facts used and what would
satisfy it. Rules from other apps plug in by declaring an evaluator (AppConfig.assurance_evaluators)
and, if they need facts of their own, a facts provider (AppConfig.assurance_facts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from casework.assurance import rules as evaluators
from casework.assurance.facts import CaseFacts
from casework.cases.choices import Stage


@dataclass(frozen=True)
class RuleVersion:
    code: str
    version: int
    pk: int
    title: str
    source: str
    severity: str
    evaluator: str
    stages: frozenset[str]
    categories: frozenset[str]
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.code}@v{self.version}"


@dataclass(frozen=True)
class CheckpointRule:
    code: str
    title: str
    trigger_stage: str
    categories: frozenset[str]
    approver_roles: tuple[str, ...]
    blocking: bool
    pk: int = 0

    def applies(self, facts: CaseFacts) -> bool:
        """Sign-off is due: the case reached the trigger stage (or was accepted) and its categories match."""
        if self.categories and not (self.categories & facts.categories):
            return False
        if self.trigger_stage == "acceptance":
            return facts.accepted_on is not None
        return self.trigger_stage in facts.stage_entered


@dataclass(frozen=True)
class Verdict:
    rule_code: str
    rule_version: int
    rule_pk: int
    title: str
    source: str
    severity: str
    outcome: str
    reason: str
    remedy: str
    facts: dict[str, Any]


class UnknownEvaluator(LookupError):
    pass


def evaluate(
    facts: CaseFacts, rule_versions: Iterable[RuleVersion], ctx: evaluators.EvaluationContext
) -> list[Verdict]:
    verdicts = []
    for rule in rule_versions:
        finding = _finding(facts, rule, ctx)
        waiver = facts.waivers.get(rule.code)
        if finding.outcome == evaluators.NOT_MET and waiver is not None and waiver.expires_on >= ctx.today:
            finding = evaluators.Finding(
                evaluators.WAIVED,
                f"Waived until {waiver.expires_on.day} {waiver.expires_on:%B %Y} by {waiver.approver}: {waiver.reason} "
                f"(otherwise: {finding.reason})",
                finding.remedy,
                {**finding.facts, "waiver_expires_on": waiver.expires_on.isoformat()},
            )
        verdicts.append(
            Verdict(
                rule_code=rule.code,
                rule_version=rule.version,
                rule_pk=rule.pk,
                title=rule.title,
                source=rule.source,
                severity=rule.severity,
                outcome=finding.outcome,
                reason=finding.reason,
                remedy=finding.remedy,
                facts=finding.facts,
            )
        )
    return verdicts


#: Each stage's label by value, built once (`Stage.values` builds a new list on every use, and the
#: sweep asks for a label once per rule that does not apply at the case's stage).
_STAGE_LABELS: dict[str, Any] = {stage.value: stage.label for stage in Stage}


def _finding(facts: CaseFacts, rule: RuleVersion, ctx: evaluators.EvaluationContext) -> evaluators.Finding:
    if facts.stage not in rule.stages:
        stage = _STAGE_LABELS.get(facts.stage, facts.stage)
        return evaluators.Finding(evaluators.NA, f"Applies only at other stages (the case is at {stage.lower()}).")
    if rule.categories and not (rule.categories & facts.categories):
        return evaluators.Finding(evaluators.NA, "Applies only to other offence categories.")
    fn = evaluators.EVALUATORS.by_key().get(rule.evaluator)
    if fn is None:
        raise UnknownEvaluator(f"rule {rule.label} names evaluator {rule.evaluator!r}, which is not registered")
    return fn(facts, rule.parameters, ctx)


def compliance_rate(verdicts: Sequence[Verdict]) -> float | None:
    """Share of applicable verdicts that are met, exempt or waived (None when nothing applies)."""
    applicable = [v for v in verdicts if v.outcome != evaluators.NA]
    if not applicable:
        return None
    return sum(v.outcome != evaluators.NOT_MET for v in applicable) / len(applicable)
