"""Subject access (DPA 2018 s.45): what the service holds about one person, as a ZIP for the
records officer who answers the request.

The person is found by what identifies them: a defendant by name and date of birth (or by the id of
their defendant record), a member of staff by username, a police officer by name, anyone else (a
witness, a victim) by name alone. The pack holds:

- summary.txt: a readable account of what was searched, what was found, who consulted or disclosed
  it, what was redacted and what a person must still decide;
- records.json: the records about them, with third parties' names redacted;
- mentions.csv: passages of free text that name them (documents, notes, logs), redacted likewise;
- access-log.csv: every consultation, disclosure and export of those records in the audit trail;
- redactions.csv: every redaction made, where and why, for a person to check before anything is sent
  (the redacted text itself is not repeated: the reviewer checks it in the service);
- manifest.json: the SHA-256 of each file.

Writing the pack is itself a disclosure and is audited as one, with the justification and recipient.
The search covers the records officer's own unit; s.45(4) restrictions (e.g. prejudice to an
investigation) are for the person answering the request to apply: the pack says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.audit.models import AuditEvent
from casework.cases.models import Case, CaseReview, Defendant, DocumentVersion, Hearing
from casework.core import clock
from casework.core.errors import PermissionDenied, ValidationFailed
from casework.core.spreadsheets import spreadsheet_safe
from casework.partners.models import Referral
from casework.people.choices import RoleCode
from casework.people.models import User
from casework.progression.models import CtlLogEntry

REDACTED = "[redacted: third party]"
LOG_ACTIONS = ("consult", "disclose", "export", "break_glass")


@dataclass(frozen=True)
class Person:
    kind: str  # defendant, staff, officer, other
    name: str = ""
    date_of_birth: dt.date | None = None
    defendant_id: int | None = None
    username: str = ""

    def describe(self) -> str:
        parts = [self.kind.replace("_", " ")]
        if self.name:
            parts.append(f"named {self.name}")
        if self.date_of_birth:
            parts.append(f"born {self.date_of_birth:%d %B %Y}")
        if self.defendant_id:
            parts.append(f"defendant record {self.defendant_id}")
        if self.username:
            parts.append(f"username {self.username}")
        return ", ".join(parts)


@dataclass
class Redaction:
    where: str
    field: str
    kind: str
    reason: str


@dataclass
class Pack:
    person: Person
    unit: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    access_log: list[dict[str, Any]] = field(default_factory=list)
    redactions: list[Redaction] = field(default_factory=list)
    case_ids: set[int] = field(default_factory=set)
    restricted_cases: list[str] = field(default_factory=list)

    @property
    def found(self) -> int:
        return sum(len(rows) for rows in self.records.values()) + len(self.mentions)


class _Redactor:
    """Replaces the names of other people known to the service (co-defendants, other officers)."""

    def __init__(self, pack: Pack, others: set[str]) -> None:
        self.pack = pack
        names = sorted({name for name in others if len(name.strip()) >= 3}, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE) if names else None

    def __call__(self, text: str, *, where: str, field: str) -> str:
        if not text or self.pattern is None:
            return text
        count = len(self.pattern.findall(text))
        if count:
            for _ in range(count):
                self.pack.redactions.append(
                    Redaction(
                        where=where, field=field, kind="name of another person", reason="third party (s.45(4)(e))"
                    )
                )
            return self.pattern.sub(REDACTED, text)
        return text


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    if len(parts) < 2:
        raise ValidationFailed("Give the person's full name (first names and last name).")
    return " ".join(parts[:-1]), parts[-1]


def _require_records_officer(actor: Any) -> None:
    if actor is None or not actor.is_active or RoleCode.RECORDS_OFFICER not in actor.role_codes or not actor.unit_id:
        raise PermissionDenied("Only a records officer can answer a subject access request.")


def _defendants(person: Person, unit_id: int) -> list[Any]:
    found = Defendant.objects.filter(case__unit_id=unit_id, case__disposed_at__isnull=True).select_related("case")
    if person.defendant_id:
        return list(found.filter(pk=person.defendant_id))
    first, last = _split_name(person.name)
    found = found.filter(first_names__iexact=first, last_name__iexact=last)
    if person.date_of_birth:
        found = found.filter(date_of_birth=person.date_of_birth)
    return list(found.prefetch_related("charges").order_by("case__urn", "pk"))


def _gather_defendants(pack: Pack, person: Person, unit_id: int) -> None:
    defendants = _defendants(person, unit_id)
    if person.kind == "defendant" and not defendants:
        return
    case_ids = {d.case_id for d in defendants}
    others = Defendant.objects.filter(case_id__in=case_ids).exclude(pk__in=[d.pk for d in defendants])
    redact = _Redactor(pack, {f"{o.first_names} {o.last_name}" for o in others} | {o.last_name for o in others})
    rows = []
    for defendant in defendants:
        case = defendant.case
        pack.case_ids.add(case.pk)
        if case.restricted_at:
            pack.restricted_cases.append(case.urn)
        where = f"case {case.urn}, defendant record {defendant.pk}"
        rows.append(
            {
                "case_urn": case.urn,
                "case_stage": case.get_stage_display(),
                "case_summary": redact(case.summary, where=where, field="case summary"),
                "first_names": defendant.first_names,
                "last_name": defendant.last_name,
                "date_of_birth": defendant.date_of_birth.isoformat() if defendant.date_of_birth else None,
                "custody_status": defendant.get_custody_status_display(),
                "charges": [
                    {
                        "offence": c.offence,
                        "classification": c.get_classification_display(),
                        "charged_on": c.charged_on.isoformat() if c.charged_on else None,
                    }
                    for c in defendant.charges.all()
                ],
                "co_defendants": f"{others.filter(case=case).count()} (names redacted)",
                "restricted": bool(case.restricted_at),
            }
        )
    pack.records["defendant_records"] = rows
    name = person.name or (f"{defendants[0].first_names} {defendants[0].last_name}" if defendants else "")
    _gather_mentions(pack, name, unit_id, redact)


def _gather_mentions(pack: Pack, name: str, unit_id: int, redact: _Redactor) -> None:
    """Free text in the unit's records that names the person (full name, any case)."""
    if not name.strip():
        return
    live = {"disposed_at__isnull": True, "unit_id": unit_id}
    sources: list[tuple[str, Any, str, str]] = [
        ("document", DocumentVersion.objects.filter(document__case__in=_cases(live)), "document__case__urn", "body"),
        (
            "document rationale",
            DocumentVersion.objects.filter(document__case__in=_cases(live)),
            "document__case__urn",
            "rationale",
        ),
        ("case review note", CaseReview.objects.filter(case__in=_cases(live)), "case__urn", "note"),
        ("hearing outcome", Hearing.objects.filter(case__in=_cases(live)), "case__urn", "outcome"),
        ("custody time limit log", CtlLogEntry.objects.filter(case__in=_cases(live)), "case__urn", "note"),
    ]
    for label, queryset, urn_path, text_field in sources:
        for pk, urn, case_id, text in queryset.filter(**{f"{text_field}__icontains": name}).values_list(
            "pk", urn_path, urn_path.replace("urn", "id"), text_field
        ):
            pack.case_ids.add(case_id)
            where = f"case {urn}, {label} {pk}"
            pack.mentions.append(
                {"case_urn": urn, "record": f"{label} {pk}", "text": redact(text, where=where, field=label)}
            )


def _cases(filters: dict[str, Any]) -> Any:
    return Case.objects.filter(**filters).values("pk")


def _gather_staff(pack: Pack, person: Person, unit_id: int) -> None:
    user = User.objects.filter(username=person.username, unit_id=unit_id).select_related("unit", "grade").first()
    if user is None:
        return
    pack.records["staff_record"] = [
        {
            "username": user.username,
            "name": user.display_name,
            "email": user.email,
            "roles": user.primary_role_label,
            "unit": str(user.unit) if user.unit else "",
            "grade": str(user.grade) if user.grade else "",
            "fte": str(user.fte),
            "contracted_hours": str(user.contracted_hours),
            "working_pattern": user.get_working_pattern_display(),
            "active": user.is_active,
        }
    ]
    pack.records["absences"] = [
        {"kind": a.get_kind_display(), "from": a.starts_on.isoformat(), "to": a.ends_on.isoformat(), "reason": a.reason}
        for a in user.absences.all()
    ]
    acted = AuditEvent.objects.filter(actor_id=user.pk).order_by("seq")
    pack.records["actions_recorded_in_the_audit_trail"] = [
        {
            "seq": e.seq,
            "when": e.occurred_at.isoformat(),
            "action": e.action,
            "subject": e.subject_type,
            "subject_id": e.subject_id,
            "case_id": e.case_id,
        }
        for e in acted.iterator()
    ]
    pack.access_log.extend(_log(Q(subject_type="people.user", subject_id=str(user.pk))))


def _gather_officer(pack: Pack, person: Person, unit_id: int) -> None:
    referrals = Referral.objects.filter(unit_id=unit_id).filter(
        Q(officer_in_case__iexact=person.name) | Q(officer_in_case__icontains=person.name)
    )
    pack.records["police_referrals_naming_them"] = [
        {
            "reference": r.reference,
            "kind": r.get_kind_display(),
            "submitted_on": r.submitted_on.isoformat(),
            "officer_in_case": r.officer_in_case,
            "status": r.get_status_display(),
        }
        for r in referrals.order_by("reference")
    ]
    for referral in referrals:
        pack.access_log.extend(_log(Q(subject_type="partners.referral", subject_id=str(referral.pk))))
    _gather_mentions(pack, person.name, unit_id, _Redactor(pack, set()))


def _log(condition: Q) -> list[dict[str, Any]]:
    return [
        {
            "seq": e.seq,
            "when_utc": e.occurred_at.isoformat(),
            "action": e.get_action_display(),
            "who": e.actor_label,
            "role": e.actor_role,
            "unit": e.actor_unit,
            "justification": e.justification,
            "recipient": e.recipient,
            "case_id": e.case_id,
        }
        for e in AuditEvent.objects.filter(condition, action__in=LOG_ACTIONS).order_by("seq").iterator()
    ]


def build_pack(*, actor: Any, person: Person) -> Pack:
    _require_records_officer(actor)
    pack = Pack(person=person, unit=actor.unit.name)
    if person.kind == "staff":
        if not person.username:
            raise ValidationFailed("Give the member of staff's username.")
        _gather_staff(pack, person, actor.unit_id)
    elif person.kind == "officer":
        _split_name(person.name)
        _gather_officer(pack, person, actor.unit_id)
    elif person.kind == "defendant":
        if not person.defendant_id and not (person.name and person.date_of_birth):
            raise ValidationFailed("Find a defendant by name and date of birth, or by their defendant record id.")
        _gather_defendants(pack, person, actor.unit_id)
    else:
        _split_name(person.name)
        _gather_mentions(pack, person.name, actor.unit_id, _Redactor(pack, set()))
    if pack.case_ids:
        pack.access_log.extend(_log(Q(case_id__in=sorted(pack.case_ids))))
        pack.access_log.sort(key=lambda row: row["seq"])
    return pack


# --- the ZIP -------------------------------------------------------------------------------------------


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([spreadsheet_safe(row.get(column)) for column in columns])
    return out.getvalue().encode("utf-8-sig")


def _summary(pack: Pack, *, reference: str, justification: str, recipient: str) -> str:
    lines = [
        "SUBJECT ACCESS REQUEST (Data Protection Act 2018, section 45)",
        "",
        f"Reference: {reference}",
        f"Prepared: {clock.local(clock.now()):%d %B %Y %H:%M} (UK time)",
        f"Person searched for: {pack.person.describe()}",
        f"Records searched: those of {pack.unit} held in this service",
        f"Why it was prepared: {justification}",
        f"For: {recipient}",
        "",
        "WHAT WAS FOUND",
    ]
    if not pack.found:
        lines.append("No records about this person were found.")
    for name, rows in pack.records.items():
        lines.append(f"- {name.replace('_', ' ')}: {len(rows)} (records.json)")
    lines.append(f"- passages of free text naming them: {len(pack.mentions)} (mentions.csv)")
    lines.append(f"- consultations, disclosures and exports of these records: {len(pack.access_log)} (access-log.csv)")
    if pack.restricted_cases:
        lines += ["", f"Processing of these cases is restricted (s.47(2)): {', '.join(pack.restricted_cases)}."]
    lines += [
        "",
        "REDACTIONS",
        f"{len(pack.redactions)} passages naming other people were replaced with '{REDACTED}'.",
        "Each is listed in redactions.csv (where, which field, why). Check every one in the service before",
        "anything is sent, and look for third parties the service could not recognise (people it holds no",
        "record of, such as witnesses named only in documents).",
        "",
        "BEFORE ANYTHING IS SENT, A PERSON MUST DECIDE",
        "- whether any of it must be withheld under s.45(4) (for example, to avoid prejudicing an investigation",
        "  or a prosecution, or to protect the rights of others), and record the reasons;",
        "- whether the person's identity has been confirmed;",
        "- what to tell the person about their rights (s.44), including complaint to the Information Commissioner.",
        "",
        "Preparing this pack was recorded in the audit trail as a disclosure.",
    ]
    return "\n".join(lines) + "\n"


def write_pack(
    *, actor: Any, person: Person, out: Path, justification: str, recipient: str = "The data subject"
) -> Pack:
    """Build the pack, write the ZIP (never over an existing file) and record the disclosure."""
    if not justification.strip():
        raise ValidationFailed(
            "Give the justification for this disclosure (DPA 2018 s.62), e.g. the request reference."
        )
    if out.suffix.lower() != ".zip":
        raise ValidationFailed("--out must name a .zip file.")
    if out.exists():
        raise ValidationFailed(f"{out} already exists; subject access packs are never overwritten.")
    with transaction.atomic():
        pack = build_pack(actor=actor, person=person)
        reference = f"SAR-{clock.now():%Y%m%d%H%M%S}"
        files = {
            "summary.txt": _summary(
                pack, reference=reference, justification=justification, recipient=recipient
            ).encode(),
            "records.json": json.dumps(pack.records, indent=2, ensure_ascii=False).encode(),
            "mentions.csv": _csv(pack.mentions, ["case_urn", "record", "text"]),
            "access-log.csv": _csv(
                pack.access_log,
                ["seq", "when_utc", "action", "who", "role", "unit", "justification", "recipient", "case_id"],
            ),
            "redactions.csv": _csv([vars(r) for r in pack.redactions], ["where", "field", "kind", "reason"]),
        }
        files["manifest.json"] = json.dumps(
            {"reference": reference, "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}},
            indent=2,
        ).encode()
        label = f"Subject access pack {reference}: {pack.found} records, {len(pack.access_log)} log entries"
        audit.record(
            actor=actor,
            action=Action.DISCLOSE,
            subject_type="records.subject_access",
            subject_id=reference,
            subject_label=label,
            justification=justification,
            recipient=recipient,
        )
        for case_id in sorted(pack.case_ids):
            audit.record(
                actor=actor,
                action=Action.DISCLOSE,
                subject_type="cases.case",
                subject_id=case_id,
                subject_label=f"Included in subject access pack {reference}",
                case_id=case_id,
                justification=justification,
                recipient=recipient,
            )
        try:
            with zipfile.ZipFile(out, "x", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, data in files.items():
                    archive.writestr(name, data)
        except BaseException:
            out.unlink(missing_ok=True)
            raise
    return pack
