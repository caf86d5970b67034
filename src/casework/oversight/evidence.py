"""Evidence packs for one case or an inspection sample: a PDF for people and a ZIP for machines.

The PDF sets out decisions with their rationale, sign-offs, exemptions and waivers, deadlines met
or missed with reasons, custody time-limit history and the audit timeline. The ZIP holds the same
audit events in the chain's canonical form, each with its Merkle inclusion proof against the latest
signed checkpoint, the checkpoint itself and the public key, so `standalone_verify.py`-style checks
can be made without the product. Producing either is a `disclose` event per case (s.62)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from fpdf import FPDF

from casework.assurance.models import Exemption, SignOffRequest, VerdictPeriod, Waiver
from casework.audit import chain, merkle
from casework.audit import services as audit
from casework.audit.checkpoints import checkpoint_document, packed_leaf_hashes
from casework.audit.choices import Action
from casework.audit.models import AuditCheckpoint, AuditEvent
from casework.cases.models import Case
from casework.core import clock
from casework.core.errors import NotFound, ValidationFailed
from casework.oversight.models import InspectionSample
from casework.oversight.scope import can_see_oversight
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


def _latin1(text: Any) -> str:
    # The PDF core fonts are Latin-1; anything else is shown as "?" rather than failing the pack.
    return str(text if text is not None else "").encode("latin-1", "replace").decode("latin-1")


class _Pdf(FPDF):
    def section(self, title: str) -> None:
        self.set_font("Helvetica", "B", 12)
        self.ln(2)
        self.multi_cell(0, 6, _latin1(title), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 9)

    def line_text(self, text: str) -> None:
        self.multi_cell(0, 4.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def render_pdf(*, title: str, records: list[CaseRecord], justification: str, recipient: str) -> bytes:
    pdf = _Pdf()
    pdf.set_title(_latin1(title))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.line_text(f"Produced {clock.local(clock.now()):%d %b %Y %H:%M} for {recipient}. Purpose: {justification}")
    for record in records:
        case = record.case
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 14)
        pdf.multi_cell(0, 7, _latin1(f"{case.urn} {case.operation_name}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        pdf.line_text(
            f"Unit: {case.unit.name}. Stage: {case.get_stage_display()}. "
            f"Accepted: {case.accepted_on or 'not recorded'}."
        )
        pdf.line_text(f"Acceptance basis: {case.acceptance_basis or 'not recorded'}")
        pdf.section("Decisions and sign-offs")
        for s in record.signoffs or []:
            who = s.decided_by or "undecided"
            pdf.line_text(
                f"- {s.checkpoint.title}: {s.get_status_display()} by {who} {s.decided_at or ''}. "
                f"Rationale: {s.rationale or s.note or '-'}"
            )
        if not record.signoffs:
            pdf.line_text("None recorded.")
        pdf.section("Exemptions and waivers")
        for e in record.exemptions:
            state = "revoked" if e.revoked_at else "in force"
            pdf.line_text(
                f"- Exemption ({e.get_document_display()}), approved by {e.approver} "
                f"on {e.approved_on}, {state}: {e.reason}"
            )
        for w in record.waivers:
            state = "revoked" if w.revoked_at else f"until {w.expires_on}"
            pdf.line_text(f"- Waiver of {w.rule_code}, approved by {w.approver}, {state}: {w.reason}")
        if not (record.exemptions or record.waivers):
            pdf.line_text("None.")
        pdf.section("Deadlines")
        for d in record.deadlines:
            detail = f"met on {d.met_on}" if d.status == "met" else ""
            if d.status == "missed":
                detail = f"missed: {d.get_missed_reason_display() or 'no reason'} {d.missed_note}".strip()
            pdf.line_text(f"- {d.title}: due {d.due_on}, {d.get_status_display()} {detail}")
        if not record.deadlines:
            pdf.line_text("None.")
        pdf.section("Custody time limits")
        for ev in record.clock_events:
            extra = f", new expiry {ev.new_expiry}" if ev.new_expiry else ""
            pdf.line_text(f"- {ev.occurred_on} {ev.clock.charge}: {ev.get_kind_display()}{extra} {ev.note}")
        for entry in record.ctl_log:
            pdf.line_text(f"- Log {entry.entry_on}: {entry.note}")
        if not (record.clock_events or record.ctl_log):
            pdf.line_text("No custody time-limit history.")
        pdf.section("Current assurance verdicts")
        for v in record.verdicts:
            pdf.line_text(f"- {v.rule_code}: {v.get_outcome_display()}. {v.reason}")
        pdf.section("Audit timeline")
        for row in record.events:
            why = f" ({row['justification']})" if row["justification"] else ""
            pdf.line_text(
                f"#{row['seq']} {row['occurred_at'][:19]} {row['action']} by {row['actor_label']}: "
                f"{row['subject_label']}{why}"
            )
    return bytes(pdf.output())


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
