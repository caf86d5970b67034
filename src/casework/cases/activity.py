"""A case's history in plain words, from its audit events ("Alex Morgan added a hearing").

The audit trail records every collection, change and disclosure as s.62 requires; this turns those
events into sentences a caseworker reads at a glance. Consultations (someone opening the case) are
left out here: they stay in the audit view for those entitled to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casework.audit.choices import Action
from casework.audit.models import AuditEvent

ACTIVITY_LIMIT = 100

#: What each audited record is called on screen (with its article).
SUBJECTS: dict[str, str] = {
    "cases.case": "the case",
    "cases.defendant": "a defendant",
    "cases.charge": "a charge",
    "cases.hearing": "a hearing",
    "cases.casedocument": "a document",
    "cases.documentversion": "a new version of a document",
    "cases.casereview": "a review",
    "cases.caseaccessgrant": "access outside their own work",
    "progression.deadline": "a deadline",
    "progression.task": "a task",
    "progression.custodyclock": "a custody time limit",
    "progression.custodyclockevent": "a custody event",
    "progression.ctllogentry": "a CTL log entry",
    "progression.extensionapplication": "an application to extend a custody time limit",
    "progression.ctlfailure": "a custody time limit failure",
    "assurance.signoffrequest": "a sign-off request",
    "assurance.exemption": "a formal exemption",
    "assurance.waiver": "a waiver",
    "quality.assessment": "a quality assessment",
    "quality.moderation": "a second marking",
    "resourcing.allocation": "the allocation",
    "resourcing.remrecord": "the resourcing record",
    "partners.referral": "a police referral",
}

VERBS: dict[str, str] = {
    Action.COLLECT: "added",
    Action.ALTER: "changed",
    Action.ERASE: "removed",
    Action.DISCLOSE: "disclosed",
    Action.COMBINE: "combined",
}

#: Records whose audit label is written for people (a name, an offence, a title); other labels may
#: hold codes ("ctl.extension_notice"), so those records are named by their kind alone.
LABELLED = frozenset(
    {
        "cases.defendant",
        "cases.charge",
        "cases.hearing",
        "cases.casedocument",
        "cases.documentversion",
        "cases.casereview",
    }
)
#: How the audit trail labels work the service does itself.
SERVICE_ACTORS = frozenset({"", "system"})

#: Document kinds named by their own name, not "a document" (the label starts with the kind's title).
NAMED_DOCUMENTS = ("hearing record sheet", "prosecution strategy document", "disclosure management document")


#: The audit trail labels people "Name (username)"; the activity names them as colleagues do.
_USERNAME_SUFFIX = re.compile(r"\s+\([^()]*\)$")


@dataclass(frozen=True)
class Activity:
    event: AuditEvent
    sentence: str


def describe(event: AuditEvent) -> str:
    who = _USERNAME_SUFFIX.sub("", event.actor_label)
    if who.lower() in SERVICE_ACTORS:
        who = "The service"
    verb = VERBS.get(event.action, event.get_action_display().lower())
    subject = SUBJECTS.get(event.subject_type, "a record")
    label = (event.subject_label or "").strip()
    lowered = label.lower()
    named = next((kind for kind in NAMED_DOCUMENTS if kind in lowered), None)
    if event.subject_type in ("cases.casedocument", "cases.documentversion") and named:
        subject = f"a {named}" if event.subject_type == "cases.casedocument" else f"a new version of the {named}"
        if lowered.startswith(named):  # "Hearing record sheet: PTPH" says the kind once, not twice
            label = label[len(named) :].lstrip(" :–-")
    if event.action == Action.DISCLOSE and event.recipient:
        return f"{who} disclosed {subject} to {event.recipient}"
    if label and event.subject_type in LABELLED:
        return f"{who} {verb} {subject}: {label}"
    return f"{who} {verb} {subject}"


def case_activity(*, case_id: int, limit: int = ACTIVITY_LIMIT) -> list[Activity]:
    """The case's history, newest first, without consultations. The caller has already opened (and
    audited) the case."""
    events = AuditEvent.objects.filter(case_id=case_id).exclude(action=Action.CONSULT).order_by("-seq")[:limit]
    return [Activity(event, describe(event)) for event in events]
