"""Evidence packs for one case or an inspection sample: a PDF for people and a ZIP for machines.

The PDF sets out decisions with their rationale, sign-offs, exemptions and waivers, deadlines met
or missed with reasons, custody time-limit history and the audit timeline. The ZIP holds the same
audit events in the chain's canonical form, each with its Merkle inclusion proof against the latest
signed checkpoint, the checkpoint itself and the public key, so `standalone_verify.py`-style checks
can be made without the product. Producing either is a `disclose` event per case (s.62)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from casework.assurance.models import AssuranceRule, Exemption, SignOffRequest, VerdictPeriod, Waiver
from casework.audit import chain, merkle
from casework.audit import services as audit
from casework.audit.checkpoints import checkpoint_document, packed_leaf_hashes
from casework.audit.choices import Action
from casework.audit.models import AuditCheckpoint, AuditEvent
from casework.cases.models import Case
from casework.core import clock
from casework.core.dates import govuk_date, govuk_datetime
from casework.core.errors import NotFound, ValidationFailed
from casework.core.words import plural
from casework.oversight.models import InspectionSample
from casework.oversight.scope import can_see_oversight
from casework.oversight.tagged_pdf import TaggedPdf
from casework.progression.models import CtlLogEntry, CustodyClockEvent, Deadline

PACK_FORMAT = "casework-evidence-pack/1"
MAX_CASES = 500  # a sample larger than this is packed in parts


@dataclass
class CaseRecord:
    case: Case
    signoffs: list[SignOffRequest] = field(default_factory=list)
    exemptions: list[Exemption] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    clock_events: list[CustodyClockEvent] = field(default_factory=list)
    ctl_log: list[CtlLogEntry] = field(default_factory=list)
    verdicts: list[VerdictPeriod] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def cases_for_case(*, user: Any, case_id: int) -> list[Case]:
    if not can_see_oversight(user):
        raise NotFound("Page not found.")
    case = Case.objects.visible_to(user).select_related("unit").filter(pk=case_id).first()
    if case is None:
        raise NotFound("Case not found.")
    return [case]


def cases_for_sample(*, user: Any, sample_id: int) -> tuple[InspectionSample, list[Case]]:
    sample = InspectionSample.objects.visible_to(user).filter(pk=sample_id).first()
    if sample is None:
        raise NotFound("Sample not found.")
    cases = list(
        Case.objects.visible_to(user)
        .filter(pk__in=sample.files.values("case_id"))
        .select_related("unit")
        .order_by("urn")
    )
    if len(cases) > MAX_CASES:
        raise ValidationFailed(f"A pack holds at most {MAX_CASES} cases.")
    return sample, cases


def _group(rows: Any, key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key) if not isinstance(row, dict) else row[key], []).append(row)
    return grouped


def gather(cases: list[Case]) -> list[CaseRecord]:
    """Everything a pack shows, for all its cases, in one query per kind of record."""
    ids = [case.pk for case in cases]
    signoffs = _group(
        SignOffRequest.objects.filter(case_id__in=ids).select_related("checkpoint", "decided_by").order_by("pk"),
        "case_id",
    )
    exemptions = _group(Exemption.objects.filter(case_id__in=ids).select_related("approver").order_by("pk"), "case_id")
    waivers = _group(Waiver.objects.filter(case_id__in=ids).select_related("approver").order_by("pk"), "case_id")
    deadlines = _group(Deadline.objects.filter(case_id__in=ids).order_by("due_on", "pk"), "case_id")
    clock_events: dict[int, list[CustodyClockEvent]] = {}
    for event in CustodyClockEvent.objects.filter(clock__case_id__in=ids).select_related("clock", "clock__charge"):
        clock_events.setdefault(event.clock.case_id, []).append(event)
    ctl_log = _group(CtlLogEntry.objects.filter(case_id__in=ids).order_by("entry_on", "pk"), "case_id")
    verdicts = _group(
        VerdictPeriod.objects.filter(case_id__in=ids, valid_to__isnull=True).order_by("rule_code"), "case_id"
    )
    columns = (*chain.STORED_FIELDS, "prev_hash", "hash")  # all a verifier needs, format 2 included
    events = _group(AuditEvent.objects.filter(case_id__in=ids).order_by("seq").values(*columns), "case_id")
    return [
        CaseRecord(
            case=case,
            signoffs=signoffs.get(case.pk, []),
            exemptions=exemptions.get(case.pk, []),
            waivers=waivers.get(case.pk, []),
            deadlines=deadlines.get(case.pk, []),
            clock_events=sorted(clock_events.get(case.pk, []), key=lambda e: (e.occurred_on, e.pk)),
            ctl_log=ctl_log.get(case.pk, []),
            verdicts=verdicts.get(case.pk, []),
            events=[_canonical(row) for row in events.get(case.pk, [])],
        )
        for case in cases
    ]


def _canonical(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "occurred_at": chain.format_instant(row["occurred_at"])}


def inclusion_proofs(seqs: list[int]) -> tuple[dict[str, Any] | None, dict[int, list[str]]]:
    """Audit paths to the latest signed checkpoint for every covered event (one tree build)."""
    latest = AuditCheckpoint.objects.order_by("-tree_size").first()
    if latest is None or not seqs:
        return (checkpoint_document(latest) if latest else None), {}
    packed, present = packed_leaf_hashes(upto=latest.tree_size)
    if present < latest.tree_size:
        raise ValidationFailed(f"Audit event {present + 1} is missing; run `casework audit verify`.")
    tree = merkle.MerkleTree.from_leaf_hashes(packed)
    proofs = {
        seq: [step.hex() for step in tree.inclusion_proof(seq - 1, latest.tree_size)]
        for seq in seqs
        if seq <= latest.tree_size
    }
    return checkpoint_document(latest), proofs


# --- rendering -----------------------------------------------------------------------------------


def _person(user: Any) -> str:
    return str(getattr(user, "display_name", "") or user) if user is not None else "nobody"


def _signoff_line(s: SignOffRequest) -> str:
    asked = f"requested by {_person(s.requested_by)} on {govuk_date(s.created_at)}"
    if s.status == "pending":
        line = f"{s.checkpoint.title}: waiting for a decision ({asked})."
    else:
        decided = f"by {_person(s.decided_by)} on {govuk_date(s.decided_at)}" if s.decided_at else ""
        line = f"{s.checkpoint.title}: {s.get_status_display().lower()} {decided} ({asked})."
    why = (s.rationale or s.note or "").strip()
    return f"{line} Reasons: {why}" if why else line


def _deadline_line(d: Deadline) -> str:
    due = f"{d.title}, due {govuk_date(d.due_on)}"
    if d.status == "met":
        return f"{due}: met on {govuk_date(d.met_on)}." if d.met_on else f"{due}: met."
    if d.status == "missed":
        reason = d.get_missed_reason_display() or "no reason recorded"
        return f"{due}: missed ({reason}{': ' + d.missed_note if d.missed_note else ''})."
    if d.status == "superseded":
        return f"{due}: no longer applies."
    return f"{due}: open."


def _event_line(row: dict[str, Any]) -> str:
    action = Action(row["action"]).label if row["action"] in Action.values else row["action"]
    # The events carry the chain's canonical UTC text; the pack shows UK time.
    when = govuk_datetime(dt.datetime.strptime(row["occurred_at"], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=dt.UTC))
    why = f" Reason: {row['justification']}." if row["justification"] else ""
    return f"Event {row['seq']}, {when}: {action} by {row['actor_label']}: {row['subject_label']}.{why}"


def render_pdf(*, title: str, records: list[CaseRecord], justification: str, recipient: str) -> bytes:
    pdf = TaggedPdf(title=title, subject=f"Evidence pack for {recipient}", author="Crown Prosecution Service")
    rule_titles = dict(AssuranceRule.objects.order_by("code", "version").values_list("code", "title"))
    pdf.add_page()
    pdf.heading(1, title)
    pdf.paragraph(f"Produced on {govuk_datetime(clock.now())} for {recipient}.")
    pdf.paragraph(f"Purpose of the disclosure: {justification}")
    pdf.paragraph(
        f"This pack covers {plural(len(records), 'case')}. For each case it sets out decisions and sign-offs, "
        "exemptions and waivers, deadlines, custody time limits, the current assurance verdicts and the "
        "audit trail of the case."
    )
    for record in records:
        case = record.case
        pdf.add_page()
        pdf.heading(2, f"{case.urn}: {case.operation_name}" if case.operation_name else case.urn)
        accepted = f"accepted on {govuk_date(case.accepted_on)}" if case.accepted_on else "acceptance not recorded"
        pdf.paragraph(f"{case.unit.name}. Stage: {case.get_stage_display()}; {accepted}.")
        pdf.paragraph(f"Acceptance basis: {case.acceptance_basis or 'not recorded'}.")
        pdf.heading(3, "Decisions and sign-offs")
        pdf.items([_signoff_line(s) for s in record.signoffs], "No sign-offs recorded.")
        pdf.heading(3, "Exemptions and waivers")
        pdf.items(
            [
                f"{e.get_document_display()} not needed: approved by {_person(e.approver)} on "
                f"{govuk_date(e.approved_on)}{', since revoked' if e.revoked_at else ''}. Reason: {e.reason}"
                for e in record.exemptions
            ]
            + [
                f"“{rule_titles.get(w.rule_code, w.rule_code)}” waived by {_person(w.approver)} "
                f"{'(since revoked)' if w.revoked_at else 'until ' + govuk_date(w.expires_on)}. Reason: {w.reason}"
                for w in record.waivers
            ],
            "No exemptions or waivers.",
        )
        pdf.heading(3, "Deadlines")
        pdf.items([_deadline_line(d) for d in record.deadlines], "No deadlines.")
        pdf.heading(3, "Custody time limits")
        pdf.items(
            [
                f"{govuk_date(ev.occurred_on)}, {ev.clock.charge}: {ev.get_kind_display()}"
                f"{', new expiry ' + govuk_date(ev.new_expiry) if ev.new_expiry else ''}"
                f"{'. ' + ev.note if ev.note else ''}."
                for ev in record.clock_events
            ]
            + [f"Custody time limit log, {govuk_date(entry.entry_on)}: {entry.note}" for entry in record.ctl_log],
            "No custody time limit history.",
        )
        pdf.heading(3, "Current assurance verdicts")
        pdf.items(
            [
                f"{rule_titles.get(v.rule_code, v.rule_code)}: {v.get_outcome_display().lower()}. {v.reason}"
                for v in record.verdicts
            ],
            "The case has not been checked against the assurance rules.",
        )
        pdf.heading(3, "Audit trail")
        pdf.items([_event_line(row) for row in record.events], "No audit events.")
    return pdf.output_bytes()


def render_zip(*, title: str, records: list[CaseRecord], justification: str, recipient: str) -> bytes:
    events = [event for record in records for event in record.events]
    checkpoint, proofs = inclusion_proofs([event["seq"] for event in events])
    manifest = {
        "format": PACK_FORMAT,
        "title": title,
        "produced_at": chain.format_instant(clock.now()),
        "justification": justification,
        "recipient": recipient,
        "cases": [{"id": r.case.pk, "urn": r.case.urn} for r in records],
        "events": len(events),
        "events_with_proof": len(proofs),
        "checkpoint_tree_size": checkpoint["tree_size"] if checkpoint else None,
        "hashing": "leaf = SHA-256(0x00 || event hash as 64 hex chars); node = SHA-256(0x01 || left || right)",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr(
            "events.jsonl", "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in events)
        )
        archive.writestr(
            "proofs.json",
            json.dumps(
                [{"seq": seq, "leaf_index": seq - 1, "audit_path": path} for seq, path in sorted(proofs.items())],
                indent=1,
            ),
        )
        if checkpoint:
            archive.writestr("checkpoint.json", json.dumps(checkpoint, indent=2))
            archive.writestr("public_key.txt", checkpoint["public_key"] + "\n")
    return buffer.getvalue()


RENDERERS = {"pdf": render_pdf, "zip": render_zip}


def pack_filename(name: str, day: dt.date, fmt: str) -> str:
    """The download's name: what the pack covers and the day it was made, e.g.
    `evidence-pack-11WE00035325-2026-12-08.pdf` or `evidence-pack-Spring-inspection-2026-2026-12-08.zip`."""
    safe = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:80] or "cases"
    return f"evidence-pack-{safe}-{day.isoformat()}.{fmt}"


CONTENT_TYPES = {"pdf": "application/pdf", "zip": "application/zip"}


@transaction.atomic
def evidence_pack(*, actor: Any, cases: list[Case], title: str, fmt: str, justification: str, recipient: str) -> bytes:
    """Render a pack and log its disclosure: one `disclose` event per case, with why and to whom."""
    if fmt not in RENDERERS:
        raise ValidationFailed("Choose PDF or ZIP.")
    if not justification.strip() or not recipient.strip():
        raise ValidationFailed("Give the justification and the recipient of this disclosure (DPA 2018 s.62).")
    records = gather(cases)
    body = RENDERERS[fmt](title=title, records=records, justification=justification, recipient=recipient)
    audit.record_many(
        actor=actor,
        events=[
            audit.PendingEvent(
                action=Action.DISCLOSE,
                subject_type="cases.case",
                subject_id=str(case.pk),
                subject_label=f"Evidence pack ({fmt.upper()}): {case.urn}"[:250],
                case_id=case.pk,
                justification=justification.strip(),
                recipient=recipient.strip(),
            )
            for case in cases
        ],
    )
    return body
