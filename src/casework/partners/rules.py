"""Pure rules for the police partnership: the 8-item request, template diffs, agreement
deviations, the agreement lifecycle, SLA clocks and the escalation ladder.

No ORM, no I/O, no clock: dates, templates and values come in; verdicts come out.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

# --- the 8-item early advice request -------------------------------------------------------------

#: (field, item number, label, what to do when it is missing). Order is the published order.
EIA_ITEMS: tuple[tuple[str, int, str, str], ...] = (
    (
        "police_reference",
        1,
        "Unique reference number",
        "Enter the force's unique reference number for the investigation",
    ),
    ("factual_summary", 2, "Factual summary", "Give a factual summary of the investigation"),
    (
        "lines_of_enquiry",
        3,
        "Lines of enquiry completed, ongoing and contemplated",
        "List the lines of enquiry completed, ongoing and contemplated",
    ),
    ("expected_results", 4, "Expected results and timescales", "Say what results you expect and by when"),
    (
        "issues_identified",
        5,
        "Issues identified, including the suspect's account",
        "Describe the issues identified, including the suspect's account (or say none has been given)",
    ),
    ("specific_questions", 6, "The specific questions", "Set out the specific questions you want advice on"),
    ("key_evidence", 7, "Key evidential material", "Describe the key evidential material"),
    (
        "disclosable_material",
        8,
        "Potentially disclosable material",
        "Describe potentially disclosable material (or say none has been identified)",
    ),
)
EIA_FIELDS = tuple(item[0] for item in EIA_ITEMS)
#: Fewer characters than this cannot carry a usable answer (a summary of "tbc" is not a summary).
MIN_ITEM_LENGTH = {"police_reference": 4, "factual_summary": 40, "specific_questions": 10}
_PLACEHOLDERS = {"tbc", "tba", "n/a", "na", "-", "see attached", "to follow"}


@dataclass(frozen=True)
class MissingItem:
    field: str
    number: int
    label: str
    message: str


def missing_labels(missing: Sequence[MissingItem]) -> list[str]:
    """How a request's still-missing items are stored and shown: "6. The specific questions"."""
    return [f"{m.number}. {m.label}" for m in missing]


def check_completeness(values: Mapping[str, Any]) -> list[MissingItem]:
    """The items of the 8 that are missing or unusable, each with a message that says what to do."""
    missing: list[MissingItem] = []
    for name, number, label, action in EIA_ITEMS:
        text = str(values.get(name) or "").strip()
        if not text:
            missing.append(MissingItem(name, number, label, f"Item {number} is missing. {action}."))
        elif text.lower() in _PLACEHOLDERS:
            missing.append(MissingItem(name, number, label, f"Item {number} says only “{text}”. {action}."))
        elif len(text) < MIN_ITEM_LENGTH.get(name, 1):
            missing.append(MissingItem(name, number, label, f"Item {number} is too short to act on. {action}."))
    return missing


# --- template data -------------------------------------------------------------------------------


def clause_index(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """{clause code: clause plus its section's code and title}, in template order."""
    index: dict[str, dict[str, Any]] = {}
    for section in template.get("sections", []):
        for clause in section.get("clauses", []):
            index[clause["code"]] = {**clause, "section": section["code"], "section_title": section["title"]}
    return index


def validate_template(template: Mapping[str, Any]) -> list[str]:
    """Problems that stop a template version being published (checked at load and on publish)."""
    problems: list[str] = []
    sections = template.get("sections") or []
    if not sections:
        problems.append("A template needs at least one section.")
    seen: set[str] = set()
    for section in sections:
        if not section.get("code") or not section.get("title"):
            problems.append("Every section needs a code and a title.")
        for clause in section.get("clauses", []):
            code = clause.get("code", "")
            if not code or not str(clause.get("text", "")).strip():
                problems.append(f"Clause {code or '(no code)'} needs a code and text.")
            if code in seen:
                problems.append(f"Clause code {code} is used twice.")
            seen.add(code)
    parameter_codes = {p["code"] for p in template.get("parameters", [])}
    for p in template.get("parameters", []):
        if not (p["min"] <= p["default"] <= p["max"]):
            problems.append(f"Parameter {p['code']}: the default is outside its range.")
    for code, clause in clause_index(template).items():
        for name in re.findall(r"{(\w+)}", clause["text"]):
            if name not in parameter_codes:
                problems.append(f"Clause {code} names an unknown parameter {{{name}}}.")
    ladder = template.get("ladder") or []
    if [rung.get("level") for rung in ladder] != list(range(1, len(ladder) + 1)) or not ladder:
        problems.append("The escalation ladder needs levels numbered 1, 2, 3 … in order.")
    for rung in ladder:
        if int(rung.get("response_days", 0)) < 1:
            problems.append(f"Escalation level {rung.get('level')} needs a response time of at least one day.")
    return problems


@dataclass(frozen=True)
class Change:
    """One difference between two template versions."""

    kind: str  # added | removed | changed | required_changed
    area: str  # clause | section | parameter | ladder
    code: str
    label: str
    before: str = ""
    after: str = ""

    @property
    def summary(self) -> str:
        verb = {"added": "Added", "removed": "Removed", "changed": "Changed", "required_changed": "Changed"}[self.kind]
        return f"{verb} {self.area} {self.label}"


def template_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """What a new version changes: sections, clauses (text and required flag), parameters, ladder."""
    changes: list[Change] = []
    old_sections = {s["code"]: s for s in old.get("sections", [])}
    new_sections = {s["code"]: s for s in new.get("sections", [])}
    for code, section in new_sections.items():
        if code not in old_sections:
            changes.append(Change("added", "section", code, section["title"], after=section["title"]))
        elif old_sections[code]["title"] != section["title"]:
            changes.append(
                Change("changed", "section", code, section["title"], old_sections[code]["title"], section["title"])
            )
    changes += [
        Change("removed", "section", c, s["title"], before=s["title"])
        for c, s in old_sections.items()
        if c not in new_sections
    ]
    old_clauses, new_clauses = clause_index(old), clause_index(new)
    for code, clause in new_clauses.items():
        before = old_clauses.get(code)
        if before is None:
            changes.append(Change("added", "clause", code, code, after=clause["text"]))
            continue
        if before["text"] != clause["text"]:
            changes.append(Change("changed", "clause", code, code, before["text"], clause["text"]))
        if bool(before.get("required")) != bool(clause.get("required")):
            changes.append(Change("required_changed", "clause", code, code, _required(before), _required(clause)))
    changes += [
        Change("removed", "clause", c, c, before=cl["text"]) for c, cl in old_clauses.items() if c not in new_clauses
    ]
    old_params = {p["code"]: p for p in old.get("parameters", [])}
    for p in new.get("parameters", []):
        was = old_params.get(p["code"])
        now = _describe_parameter(p)
        if was is None:
            changes.append(Change("added", "parameter", p["code"], p["label"], after=now))
        elif _describe_parameter(was) != now:
            changes.append(Change("changed", "parameter", p["code"], p["label"], _describe_parameter(was), now))
    new_param_codes = {p["code"] for p in new.get("parameters", [])}
    changes += [
        Change("removed", "parameter", c, p["label"], before=_describe_parameter(p))
        for c, p in old_params.items()
        if c not in new_param_codes
    ]
    old_ladder = {r["level"]: r for r in old.get("ladder", [])}
    new_ladder = {r["level"]: r for r in new.get("ladder", [])}
    for level in sorted(old_ladder.keys() | new_ladder.keys()):
        a, b = old_ladder.get(level), new_ladder.get(level)
        if a == b:
            continue
        kind = "added" if a is None else "removed" if b is None else "changed"
        changes.append(Change(kind, "ladder", str(level), f"level {level}", _describe_rung(a), _describe_rung(b)))
    return changes


def _required(clause: Mapping[str, Any]) -> str:
    return "required" if clause.get("required") else "optional"


def _describe_parameter(p: Mapping[str, Any]) -> str:
    return f"{p['default']} {p['unit']} (allowed {p['min']}–{p['max']})"


def _describe_rung(rung: Mapping[str, Any] | None) -> str:
    if rung is None:
        return ""
    return f"{rung['police']} ↔ {rung['cps']}, respond within {rung['response_days']} working days"


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """[(op, words)] with op in equal | delete | insert, word by word, for showing a deviation."""
    a, b = before.split(), after.split()
    parts: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("equal", " ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(("delete", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(("insert", " ".join(b[j1:j2])))
    return parts


# --- agreements ----------------------------------------------------------------------------------


def parameter_values(template: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, int]:
    """The agreement's parameters: its own values, the template's defaults for the rest."""
    return {p["code"]: int(values.get(p["code"], p["default"])) for p in template.get("parameters", [])}


def validate_parameters(template: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    known = {p["code"]: p for p in template.get("parameters", [])}
    for code, raw in values.items():
        spec = known.get(code)
        if spec is None:
            errors.setdefault(code, []).append("This template version has no such parameter.")
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors.setdefault(code, []).append("Enter a whole number.")
            continue
        if not spec["min"] <= value <= spec["max"]:
            errors.setdefault(code, []).append(
                f"{spec['label']} must be between {spec['min']} and {spec['max']} {spec['unit']}."
            )
    return errors


def render_text(text: str, params: Mapping[str, Any]) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(params.get(m.group(1), m.group(0))), text)


def text_with_defaults(template: Mapping[str, Any], text: str) -> str:
    """A template's clause text with each parameter at the template's HQ default."""
    return render_text(text, parameter_values(template, {}))


@dataclass(frozen=True)
class Deviation:
    text: str
    reason: str
    omitted: bool = False


@dataclass(frozen=True)
class ClauseView:
    code: str
    section_title: str
    required: bool
    template_text: str
    agreed_text: str
    status: str  # as_template | varied | omitted
    reason: str = ""
    diff: list[tuple[str, str]] = field(default_factory=list)


def agreement_clauses(
    template: Mapping[str, Any], params: Mapping[str, Any], deviations: Mapping[str, Deviation]
) -> list[ClauseView]:
    """Every clause of the agreement, in template order, with its difference from the template."""
    views: list[ClauseView] = []
    values = parameter_values(template, params)
    for code, clause in clause_index(template).items():
        standard = render_text(clause["text"], values)
        dev = deviations.get(code)
        if dev is None:
            views.append(
                ClauseView(
                    code, clause["section_title"], bool(clause.get("required")), standard, standard, "as_template"
                )
            )
        elif dev.omitted:
            views.append(
                ClauseView(
                    code,
                    clause["section_title"],
                    bool(clause.get("required")),
                    standard,
                    "",
                    "omitted",
                    dev.reason,
                    [("delete", standard)],
                )
            )
        else:
            agreed = render_text(dev.text, values)
            views.append(
                ClauseView(
                    code,
                    clause["section_title"],
                    bool(clause.get("required")),
                    standard,
                    agreed,
                    "varied",
                    dev.reason,
                    word_diff(standard, agreed),
                )
            )
    return views


def deviation_problems(template: Mapping[str, Any], code: str, *, omitted: bool, text: str, reason: str) -> list[str]:
    clause = clause_index(template).get(code)
    if clause is None:
        return [f"The template has no clause {code}."]
    problems = []
    if omitted and clause.get("required"):
        problems.append(
            f"Clause {code} is required by the HQ template and cannot be left out; vary its wording instead."
        )
    if not omitted and not text.strip():
        problems.append("Enter the agreed wording of the clause.")
    if not reason.strip():
        problems.append("Give the reason for departing from the HQ template.")
    return problems


def migration_plan(
    old: Mapping[str, Any], new: Mapping[str, Any], params: Mapping[str, Any], deviated_codes: Sequence[str]
) -> list[str]:
    """What must change when an agreement moves to a new template version, in plain English."""
    steps: list[str] = []
    changes = template_diff(old, new)
    for change in changes:
        if change.area == "clause" and change.code in deviated_codes and change.kind in ("changed", "removed"):
            steps.append(
                f"Clause {change.code} has a local variation and the template {change.kind} it: "
                "agree the wording again."
            )
        elif change.area == "clause" and change.kind == "added":
            steps.append(f"New clause {change.code}: agree it (or record a variation).")
        elif change.kind == "required_changed" and change.after == "required" and change.code in deviated_codes:
            steps.append(f"Clause {change.code} is now required: it can no longer be left out.")
    for error_field, messages in validate_parameters(
        new, {k: v for k, v in params.items() if k in {p["code"] for p in new.get("parameters", [])}}
    ).items():
        steps += [f"Parameter {error_field}: {m}" for m in messages]
    new_params = {p["code"] for p in new.get("parameters", [])}
    for code in sorted(set(params) - new_params):
        steps.append(f"Parameter {code} is no longer in the template: its agreed value will be dropped.")
    if any(c.area == "ladder" for c in changes):
        steps.append("The escalation ladder changed: brief both sides' contacts on the new levels and times.")
    if not steps and changes:
        steps.append("No local wording is affected: re-sign on the new version.")
    return steps


#: The lifecycle: which status may follow which.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"negotiating"}),
    "negotiating": frozenset({"draft", "signed"}),
    "signed": frozenset({"review_due", "superseded", "expired"}),
    "review_due": frozenset({"signed", "superseded", "expired"}),
    "superseded": frozenset(),
    "expired": frozenset(),
}


def transition_problem(current: str, target: str) -> str | None:
    if target in TRANSITIONS.get(current, frozenset()):
        return None
    allowed = ", ".join(sorted(TRANSITIONS.get(current, frozenset()))) or "none (this is final)"
    return (
        f"An agreement that is {current.replace('_', ' ')} cannot become {target.replace('_', ' ')}. "
        f"Allowed next: {allowed}."
    )


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate_day)
        except ValueError:
            continue
    raise ValueError(day)


def review_state(
    *, status: str, review_due_on: dt.date | None, expires_on: dt.date | None, today: dt.date, reminder_days: int
) -> str:
    """in_force | reminder | review_due | expired | not_in_force, for a signed or review-due agreement."""
    if status not in ("signed", "review_due"):
        return "not_in_force"
    if expires_on is not None and today > expires_on:
        return "expired"
    if review_due_on is not None and today >= review_due_on:
        return "review_due"
    if review_due_on is not None and today >= review_due_on - dt.timedelta(days=reminder_days):
        return "reminder"
    return "in_force"


def coverage_gap(
    *, status: str | None, template_number: int | None, current_number: int, review_state_: str
) -> str | None:
    """Why a force lacks a signed, in-date agreement on the current template (None: it has one)."""
    if status is None:
        return "No agreement"
    if status in ("draft", "negotiating"):
        return f"Agreement not signed ({status})"
    if review_state_ == "expired" or status in ("expired", "superseded"):
        return "Agreement expired"
    if template_number != current_number:
        return f"On template version {template_number}, not the current version {current_number}"
    if review_state_ == "review_due":
        return "Review overdue"
    return None


# --- SLA clocks ----------------------------------------------------------------------------------


class Calendar(Protocol):
    def add_working_days(self, day: dt.date, count: int) -> dt.date: ...


def due_after(calendar: Calendar, start: dt.date, working_days: int) -> dt.date:
    """The day a response is due: `working_days` working days after `start` (start not counted)."""
    return calendar.add_working_days(start, working_days)


@dataclass(frozen=True)
class SlaClock:
    name: str
    side: str
    due_on: dt.date | None
    done_on: dt.date | None
    state: str  # not_started | running | due_today | met | met_late | breached

    @property
    def breached(self) -> bool:
        return self.state in ("breached", "met_late")


def sla_clock(name: str, side: str, due_on: dt.date | None, done_on: dt.date | None, today: dt.date) -> SlaClock:
    """A response time's state. No due date: the clock has not started (the request is not complete)."""
    if due_on is None:
        state = "not_started"
    elif done_on is not None:
        state = "met" if done_on <= due_on else "met_late"
    elif today > due_on:
        state = "breached"
    elif today == due_on:
        state = "due_today"
    else:
        state = "running"
    return SlaClock(name, side, due_on, done_on, state)


# --- escalation ladder ---------------------------------------------------------------------------


def ladder_rung(ladder: Sequence[Mapping[str, Any]], level: int) -> Mapping[str, Any]:
    for rung in ladder:
        if rung["level"] == level:
            return rung
    raise ValueError(f"The ladder has no level {level}.")


def escalation_due(calendar: Calendar, ladder: Sequence[Mapping[str, Any]], level: int, raised_on: dt.date) -> dt.date:
    return due_after(calendar, raised_on, int(ladder_rung(ladder, level)["response_days"]))


def next_level(ladder: Sequence[Mapping[str, Any]], level: int, due_on: dt.date, today: dt.date) -> int | None:
    """The level an unresolved escalation moves to once its response time passes (None: stay)."""
    if today <= due_on:
        return None
    top = max(rung["level"] for rung in ladder)
    return level + 1 if level < top else None


def meeting_due(last_held: dt.date | None, cadence_weeks: int, since: dt.date) -> dt.date:
    """When the next meeting of a kind is due: one cadence after the last, or after the agreement began."""
    return (last_held or since) + dt.timedelta(weeks=cadence_weeks)
