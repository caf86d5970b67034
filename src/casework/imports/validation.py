"""Every row checked before anything is written: parsing and field formats come from the API's own
pydantic schemas (CaseIn, DefendantIn, ChargeIn, HearingIn), what a case may hold from the case
services' own rules (case_rule_problems), and cross-row rules (duplicates, references to a case or
defendant that is not there, a URN owned by another unit) are checked here."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from pydantic import BaseModel, ValidationError

from casework.cases import rules as case_rules
from casework.cases import services as case_services
from casework.cases.choices import CustodyStatus, HearingType, OffenceClassification, Stage
from casework.cases.models import AcceptanceCriterion, Case, Charge, Defendant
from casework.cases.schemas import CaseIn, ChargeIn, DefendantIn, HearingIn
from casework.core import clock
from casework.imports.mapping import Mapping
from casework.imports.readers import Cell, CellProblem, Source, Table
from casework.people.models import PoliceForce


class CaseRow(CaseIn):
    """A case as imported: the API's case schema plus the stage an existing system records."""

    stage: Stage = Stage.PRE_CHARGE


DefendantKey = tuple[str, str, str, dt.date | None]


@dataclass
class CaseGroup:
    """One case and all its parts: the unit of work that commits together."""

    urn: str
    case: dict[str, Any] | None = None
    defendants: list[dict[str, Any]] = field(default_factory=list)
    charges: list[tuple[DefendantKey, dict[str, Any]]] = field(default_factory=list)
    hearings: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0


@dataclass
class Checked:
    """The validated work, in the order it is written. Each group has a `rows` count (progress)."""

    groups: list[Any]
    problems: list[CellProblem]
    total_rows: int


def finish(checker: RowChecker, groups: list[Any]) -> Checked:
    total = sum(len(table.rows) for table in checker.source.tables.values())
    problems = sorted(checker.problems, key=lambda p: (p.sheet, p.row))
    return Checked(groups=groups, problems=problems, total_rows=total)


def defendant_key(urn: str, first_names: str, last_name: str, date_of_birth: dt.date | None) -> DefendantKey:
    return (urn, first_names.strip().casefold(), last_name.strip().casefold(), date_of_birth)


@functools.cache
def _choices(enum: type[Enum]) -> dict[str, str]:
    """Each choice's stored value and label, case-folded, to the stored value."""
    names: dict[str, str] = {}
    for member in enum:
        names.setdefault(str(getattr(member, "label", "")).casefold(), str(member.value))
        names[str(member.value).casefold()] = str(member.value)
    return names


def choice_value(enum: type[Enum], value: str) -> str:
    """Accept a choice's stored value or its label, in any case."""
    return _choices(enum).get(value.strip().casefold(), value)


def date_value(value: Cell) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            try:
                return dt.date.fromisoformat(text)  # the common case, without strptime's cost
            except ValueError:
                pass
        if len(text) == 10 and text[2] == "/" and text[5] == "/" and text.isascii():
            day, month, year = text[:2], text[3:5], text[6:]
            if day.isdigit() and month.isdigit() and year.isdigit():
                try:
                    return dt.date(int(year), int(month), int(day))  # DD/MM/YYYY, as strptime reads it
                except ValueError:
                    pass  # not a real day: strptime below refuses it too
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
            try:
                return dt.datetime.strptime(value.strip(), pattern).date()
            except ValueError:
                continue
    return value


def _instant(value: Cell) -> Any:
    """Spreadsheets hold wall-clock times: read them as UK local time unless an offset is given."""
    parsed: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        for parse in (
            lambda: dt.datetime.fromisoformat(text),
            lambda: dt.datetime.strptime(text, "%d/%m/%Y %H:%M"),
        ):
            try:
                parsed = parse()
                break
            except ValueError:
                continue
    if parsed is None:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return parsed.astimezone(dt.UTC)


_CONVERTERS: dict[str, Any] = {
    "accepted_on": date_value,
    "date_of_birth": date_value,
    "charged_on": date_value,
    "starts_at": _instant,
    "custody_status": lambda v: choice_value(CustodyStatus, v) if isinstance(v, str) else v,
    "classification": lambda v: choice_value(OffenceClassification, v) if isinstance(v, str) else v,
    "hearing_type": lambda v: choice_value(HearingType, v) if isinstance(v, str) else v,
    "stage": lambda v: choice_value(Stage, v) if isinstance(v, str) else v,
}


class RowChecker:
    """Shared by every kind: rows as {field: value} through the mapping, per-cell problems, and
    schema validation reported against the file's own column headings."""

    converters: dict[str, Any] = {}

    def __init__(self, source: Source, mapping: Mapping) -> None:
        self.source = source
        self.mapping = mapping
        self.problems: list[CellProblem] = list(source.problems)
        self.bad_rows = {(p.sheet, p.row) for p in self.problems}

    def heading(self, section: str, name: str) -> str:
        return self.mapping.sections[section].columns.get(name, name)

    def problem(self, table: Table, row: int, column: str, value: Any, reason: str) -> None:
        self.problems.append(CellProblem(table.sheet, row, column, "" if value is None else str(value)[:250], reason))

    def rows(self, section: str) -> Any:
        """(row number, {field: value}) for each row of a section, with empty cells left out."""
        table = self.source.tables.get(section)
        if table is None:
            return
        index = {heading: position for position, heading in enumerate(table.headers)}
        # Where each mapped field is and how it is read, worked out once per sheet, not per cell.
        plan = [
            (name, index[heading], self.converters.get(name))
            for name, heading in self.mapping.sections[section].columns.items()
            if heading in index
        ]
        for number, cells in table.rows:
            values: dict[str, Any] = {}
            for name, position, convert in plan:
                cell = cells[position] if position < len(cells) else None
                if cell is None or (isinstance(cell, str) and not cell.strip()):
                    continue
                values[name] = convert(cell) if convert is not None else cell
            yield table, number, values

    def validate(self, table: Table, number: int, schema: type[BaseModel], values: dict[str, Any]) -> Any:
        if (table.sheet, number) in self.bad_rows:
            return None
        try:
            return schema.model_validate(values)
        except ValidationError as error:
            columns = self.mapping.sections[table.section].columns
            for item in error.errors():
                name = str(item["loc"][0]) if item["loc"] else ""
                heading = columns.get(name, name)
                self.problem(table, number, heading, values.get(name), item["msg"])
            return None

    def refused(self, table: Table, number: int, values: dict[str, Any], errors: dict[str, list[str]]) -> bool:
        """Report the case rules' field errors against the file's own headings; True if there were any."""
        columns = self.mapping.sections[table.section].columns
        for name, messages in errors.items():
            column = name if name in columns else name.removesuffix("_id")
            for message in messages:
                self.problem(table, number, columns.get(column, column), values.get(column, values.get(name)), message)
        return bool(errors)


#: One answer for a URN recorded elsewhere and, for an import that only adds, for a recorded case it
#: would change: the import never says which unit holds a URN, nor what a recorded case contains.
ALREADY_RECORDED = (
    "This URN is already recorded, so this import cannot add it. Changes to a recorded case are made "
    "by its unit's legal manager."
)


class _Checker(RowChecker):
    converters = _CONVERTERS

    def __init__(self, source: Source, mapping: Mapping, unit_id: int, adds_only: bool = False) -> None:
        super().__init__(source, mapping)
        self.unit_id = unit_id
        self.adds_only = adds_only
        self.refused_urns: set[str] = set()
        self.groups: dict[str, CaseGroup] = {}
        self.forces = {f.code.casefold(): f.pk for f in PoliceForce.objects.all()}
        self.forces.update({f.name.casefold(): f.pk for f in PoliceForce.objects.all()})
        self.criteria = {
            name.casefold(): pk
            for pk, code, title in AcceptanceCriterion.objects.filter(is_active=True).values_list("pk", "code", "title")
            for name in (code, title)
        }
        # The case service's own rules, with the unit's reference facts loaded once for the file.
        self.references = case_services.case_references(unit_ids=[unit_id])
        self.today = clock.today()

    def group(self, urn: str) -> CaseGroup:
        return self.groups.setdefault(urn, CaseGroup(urn=urn))

    def reference(
        self, table: Table, number: int, values: dict[str, Any], name: str, ids: dict[str, int], unknown: str
    ) -> bool:
        """Replace a record named by code or title (values[name]) with its id (values[name + "_id"]);
        report the row and return False when no such record exists."""
        given = values.pop(name, None)
        if given is None:
            return True
        found = ids.get(str(given).strip().casefold())
        if found is None:
            self.problem(table, number, self.mapping.sections["cases"].columns[name], given, unknown)
            return False
        values[f"{name}_id"] = found
        return True

    def check_cases(self) -> None:
        urn_heading = self.mapping.sections["cases"].columns["urn"]
        where: dict[str, tuple[Table, int]] = {}
        for table, number, values in self.rows("cases"):
            given = dict(values)
            known = self.reference(table, number, values, "lead_force", self.forces, "Unknown police force.")
            if known:
                known = self.reference(
                    table,
                    number,
                    values,
                    "acceptance_criterion",
                    self.criteria,
                    "Unknown acceptance criterion: use a code or title from the national list of case types.",
                )
            if not known:
                continue
            row = self.validate(table, number, CaseRow, values)
            if row is None:
                continue
            row.urn = case_rules.normalise_urn(row.urn)
            fields = row.model_dump(exclude={"urn", "unit_id", "offence_category_ids", "stage"}, exclude_unset=True)
            # The acceptance basis is checked with the recorded case's values in check_case_rules.
            errors = case_rules.case_problems(
                unit_id=self.unit_id, values=fields, refs=self.references, today=self.today, urn=row.urn, acceptance={}
            )
            if self.refused(table, number, given, errors):
                continue
            if row.urn in self.groups and self.groups[row.urn].case is not None:
                self.problem(table, number, urn_heading, row.urn, "This URN appears twice in the file.")
                continue
            group = self.group(row.urn)
            group.case = row.model_dump(exclude={"unit_id", "offence_category_ids"}, exclude_unset=True)
            group.case["stage"] = row.stage
            group.rows += 1
            where[row.urn] = (table, number)
        self.check_case_rules(where)
        foreign = set(
            Case.objects.filter(urn__in=list(self.groups)).exclude(unit_id=self.unit_id).values_list("urn", flat=True)
        )
        for urn in sorted(foreign):
            self.refuse_urn(urn)

    def refuse_urn(self, urn: str) -> None:
        """Refuse every row naming `urn` (in any sheet) as ALREADY_RECORDED, and drop its group."""
        for table in self.source.tables.values():
            column = "urn" if table.section == "cases" else "case_urn"
            heading = self.mapping.sections[table.section].columns.get(column, column)
            for number, cells in table.rows:
                if any(isinstance(c, str) and c.strip().upper() == urn for c in cells):
                    self.problem(table, number, heading, urn, ALREADY_RECORDED)
        self.groups.pop(urn, None)
        self.refused_urns.add(urn)

    def check_case_rules(self, where: dict[str, tuple[Table, int]]) -> None:
        """The case services' own rules for what a case may hold, on each case row as it would be
        saved (a recorded case's other values merged in); a refused row is reported, not written."""
        recorded = {
            urn: values
            for urn, *values in Case.objects.filter(urn__in=list(where), unit_id=self.unit_id).values_list(
                "urn", *CASE_RULE_FIELDS
            )
        }
        columns = self.mapping.sections["cases"].columns
        for urn, (table, number) in where.items():
            case = self.groups[urn].case
            assert case is not None
            saved = dict(zip(CASE_RULE_FIELDS, recorded.get(urn, (None,) * len(CASE_RULE_FIELDS)), strict=True))
            problems = case_rule_problems({**saved, **{k: v for k, v in case.items() if k in CASE_RULE_FIELDS}})
            for name, messages in problems.items():
                column = columns.get(name) or columns.get(name.removesuffix("_id"), name)
                for message in messages:
                    self.problem(table, number, column, case.get(name), message)

    def known_case(self, table: Table, number: int, urn_value: Any) -> str | None:
        urn = str(urn_value or "").strip().upper()
        heading = self.mapping.sections[table.section].columns["case_urn"]
        if urn in self.refused_urns:
            return None  # already reported on this row
        if urn in self.groups and self.groups[urn].case is not None:
            return urn
        if Case.objects.filter(urn=urn, unit_id=self.unit_id).exists():
            return urn
        self.problem(table, number, heading, urn_value, "No case with this URN in the file or in this unit.")
        return None

    def check_defendants(self) -> set[DefendantKey]:
        keys: set[DefendantKey] = set()
        for table, number, values in self.rows("defendants"):
            urn = self.known_case(table, number, values.pop("case_urn", ""))
            row = self.validate(table, number, DefendantIn, values)
            if urn is None or row is None:
                continue
            if self.refused(table, number, values, case_rules.part_problems(row.model_dump(), today=self.today)):
                continue
            key = defendant_key(urn, row.first_names, row.last_name, row.date_of_birth)
            if key in keys:
                self.problem(
                    table,
                    number,
                    "",
                    f"{row.first_names} {row.last_name}",
                    "This defendant appears twice for the case.",
                )
                continue
            keys.add(key)
            group = self.group(urn)
            group.defendants.append(row.model_dump())
            group.rows += 1
        return keys

    def check_charges(self, defendants: set[DefendantKey]) -> None:
        for table, number, values in self.rows("charges"):
            urn = self.known_case(table, number, values.pop("case_urn", ""))
            names = {name: values.pop(name, None) for name in ("first_names", "last_name", "date_of_birth")}
            row = self.validate(table, number, ChargeIn, values)
            if urn is None or row is None:
                continue
            if self.refused(table, number, values, case_rules.part_problems(row.model_dump(), today=self.today)):
                continue
            date_of_birth = names["date_of_birth"]
            if date_of_birth is not None and not isinstance(date_of_birth, dt.date):
                heading = self.mapping.sections["charges"].columns.get("date_of_birth", "")
                self.problem(table, number, heading, date_of_birth, "Not a date: use YYYY-MM-DD or DD/MM/YYYY.")
                continue
            key = defendant_key(urn, str(names["first_names"] or ""), str(names["last_name"] or ""), date_of_birth)
            if key not in defendants and not _defendant_exists(key):
                self.problem(
                    table, number, "", f"{names['first_names']} {names['last_name']}", "No such defendant on this case."
                )
                continue
            group = self.group(urn)
            group.charges.append((key, row.model_dump()))
            group.rows += 1

    def check_hearings(self) -> None:
        seen: set[tuple[str, str, dt.datetime]] = set()
        for table, number, values in self.rows("hearings"):
            urn = self.known_case(table, number, values.pop("case_urn", ""))
            row = self.validate(table, number, HearingIn, values)
            if urn is None or row is None:
                continue
            if self.refused(table, number, values, case_rules.part_problems(row.model_dump(), today=self.today)):
                continue
            key = (urn, str(row.hearing_type), row.starts_at)
            if key in seen:
                self.problem(
                    table,
                    number,
                    "",
                    f"{row.hearing_type} {row.starts_at:%Y-%m-%d %H:%M}",
                    "This hearing appears twice.",
                )
                continue
            seen.add(key)
            group = self.group(urn)
            group.hearings.append(row.model_dump())
            group.rows += 1

    def refuse_changes_to_recorded_cases(self) -> None:
        """For an import that only adds (an administrator's), a group naming a recorded case may
        stand only if it changes nothing there (a re-run or a resumed run); otherwise it is refused
        in the same words as a URN recorded elsewhere."""
        recorded = {c.urn: c for c in Case.objects.filter(urn__in=list(self.groups), unit_id=self.unit_id)}
        for urn, case in recorded.items():
            group = self.groups[urn]
            if _would_change(group, case):
                self.refuse_urn(urn)


#: The case values the case services' rules look at together.
CASE_RULE_FIELDS = ("acceptance_criterion_id", "ccp_direction_reason")


def case_rule_problems(values: dict[str, Any]) -> dict[str, list[str]]:
    """{field: [message]} from the case services' own checks of a case's values: the importer adds
    nothing but parsing, and never relaxes a rule the form, the API and the services apply."""
    return case_rules.acceptance_problems(values)


def _defendant_exists(key: DefendantKey) -> bool:
    urn, first, last, born = key
    return Defendant.objects.filter(
        case__urn=urn, first_names__iexact=first, last_name__iexact=last, date_of_birth=born
    ).exists()


def _would_change(group: CaseGroup, case: Case) -> bool:
    """Whether writing `group` would add to or alter the recorded `case` (see services._write_group)."""
    if group.case is not None:
        values = {k: v for k, v in group.case.items() if k not in {"urn", "stage"}}
        if any(getattr(case, key) != value for key, value in values.items()):
            return True
    defendants = {
        defendant_key(case.urn, d.first_names, d.last_name, d.date_of_birth): d for d in case.defendants.all()
    }
    for row in group.defendants:
        found = defendants.get(defendant_key(case.urn, row["first_names"], row["last_name"], row["date_of_birth"]))
        if found is None or found.custody_status != row["custody_status"]:
            return True
    charges = {(c.defendant_id, c.offence.casefold()): c for c in Charge.objects.filter(defendant__case=case)}
    for key, row in group.charges:
        defendant = defendants.get(key)
        charge = charges.get((defendant.pk, row["offence"].casefold())) if defendant is not None else None
        if charge is None or (charge.classification, charge.charged_on) != (row["classification"], row["charged_on"]):
            return True
    hearings = {(h.hearing_type, h.starts_at): h for h in case.hearings.all()}
    for row in group.hearings:
        hearing = hearings.get((row["hearing_type"], row["starts_at"]))
        if hearing is None or (hearing.court, hearing.outcome) != (row["court"], row["outcome"]):
            return True
    return False


def check(source: Source, mapping: Mapping, *, unit_id: int, adds_only: bool = False) -> Checked:
    """Validate every row. Groups come in file order: the cases sheet first, then cases that
    only appear in the part sheets (already recorded), by URN."""
    checker = _Checker(source, mapping, unit_id, adds_only)
    checker.check_cases()
    defendants = checker.check_defendants()
    checker.check_charges(defendants)
    checker.check_hearings()
    if adds_only:
        checker.refuse_changes_to_recorded_cases()
    in_file = [g for g in checker.groups.values() if g.case is not None]
    only_parts = sorted((g for g in checker.groups.values() if g.case is None), key=lambda g: g.urn)
    return finish(checker, in_file + only_parts)
