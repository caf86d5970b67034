"""Writing the demo plans to the database, fast, with the audit trail written alongside.

bulk_create bypasses the services (and so their audit calls), which is why this module writes the
`collect` events itself with `record_many`, in the same transaction as each batch of rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import transaction

from casework.assurance.history import replay_month_ends
from casework.assurance.services import rechecks_run
from casework.assurance.sweep import assurance_sweep
from casework.audit.choices import Action
from casework.audit.models import AuditEvent
from casework.audit.services import ActorSnapshot, PendingEvent, record_many
from casework.cases import rules as case_rules
from casework.cases import services as case_services
from casework.cases.models import (
    AcceptanceCriterion,
    Case,
    CaseDocument,
    CaseReview,
    CaseStageEntry,
    Charge,
    Defendant,
    DocumentVersion,
    Hearing,
    OffenceCategory,
)
from casework.core import clock
from casework.core.bank_holidays import working_calendar
from casework.core.planner_stats import analyse_after_bulk_load
from casework.demo import workflow
from casework.demo.generator import PERSONAS, CasePlan, DemoGenerator, Reference, StaffPlan
from casework.oversight.services import refresh_compliance_tallies
from casework.people.models import Absence, Area, Grade, PoliceForce, Role, Specialism, Team, Unit, User
from casework.progression.models import Deadline
from casework.progression.selectors import engine_rules
from casework.progression.sweep import progression_sweep
from casework.quality import analytics_store
from casework.resourcing import selectors as resourcing_selectors
from casework.resourcing import stored as resourcing_stored
from casework.resourcing import summaries as resourcing_summaries
from casework.workday import tallies as workday_tallies

#: Demo data of other apps, loaded after the cases and before the sweeps (each idempotent, seeded).
DEMO_EXTENSIONS: tuple[str, ...] = (
    "load_quality_demo",
    "load_partners_demo",
    "load_resourcing_demo",
    "load_records_demo",
)


class _ProgressStream:
    """Lets an extension command's output go to the loader's progress callback."""

    def __init__(self, progress: Callable[[str], None]) -> None:
        self.progress = progress

    def write(self, text: str) -> None:
        if text.strip():
            self.progress(text.rstrip())

    def flush(self) -> None:
        pass


#: Who the demo data's collection events are attributed to.
DEMO_LOADER = ActorSnapshot(actor_id=None, label="system (demo data loader)", role="system", unit="")
BATCH_SIZE = 1000


def demo_data_present() -> bool:
    """The marker: the audit trail records that the demo loader collected data here."""
    return AuditEvent.objects.filter(actor_label=DEMO_LOADER.label, action=Action.COLLECT).exists()


def conflicting_usernames() -> list[str]:
    return sorted(User.objects.filter(username__in=[p.username for p in PERSONAS]).values_list("username", flat=True))


def load_reference() -> Reference:
    unit_forces: dict[str, set[str]] = {}
    for unit_code, force_code in PoliceForce.objects.values_list("areas__unit__code", "code"):
        if unit_code:
            unit_forces.setdefault(unit_code, set()).add(force_code)
    return Reference(
        unit_sizes=dict(Unit.objects.values_list("code", "size")),
        unit_forces={unit: sorted(forces) for unit, forces in unit_forces.items()},
        area_units=dict(Area.objects.values_list("code", "unit__code")),
        specialisms=sorted(Specialism.objects.values_list("code", flat=True)),
        criteria=sorted(AcceptanceCriterion.objects.filter(is_active=True).values_list("code", flat=True)),
        offence_categories=sorted(OffenceCategory.objects.values_list("code", flat=True)),
    )


@dataclass
class LoadResult:
    people: int
    cases: int
    audit_events: int
    seconds: float


class DemoLoader:
    def __init__(self, *, seed: int, password: str, progress: Callable[[str], None] = lambda _: None) -> None:
        self.seed = seed
        self.password = password
        self.progress = progress
        self.today = clock.today()
        self.generator = DemoGenerator(
            seed=seed, today=self.today, reference=load_reference(), policy=resourcing_selectors.policy_on(self.today)
        )
        self.workflow = workflow.WorkflowBuilder(
            seed=seed, today=self.today, now=clock.now(), calendar=working_calendar(), rules=engine_rules()
        )
        self.user_ids: dict[str, int] = {}
        self.audit_events = 0

    def load(self, *, cases: int) -> LoadResult:
        started = time.perf_counter()
        staff = self.generator.build_staff(cases)
        with transaction.atomic():
            self._write_staff(staff)
        self.progress(f"people {len(staff)} ({time.perf_counter() - started:.1f} s)")
        self._lookups()
        written = 0
        step = max(cases // 10, 1)
        next_report = step
        batch_size = min(BATCH_SIZE, step)
        batch: list[CasePlan] = []
        for plan in self.generator.iter_cases(cases):
            batch.append(plan)
            if len(batch) < batch_size and len(batch) + written < cases:
                continue
            self._write_cases(batch)
            written += len(batch)
            batch = []
            if written >= next_report:
                self.progress(f"cases {written}/{cases} ({time.perf_counter() - started:.1f} s)")
                while next_report <= written:
                    next_report += step
        self._derive(started)
        return LoadResult(len(staff), written, self.audit_events, time.perf_counter() - started)

    def _derive(self, started: float) -> None:
        """Run the nightly sweeps once so deadlines, tasks, notices and verdicts exist from the start."""
        for command in DEMO_EXTENSIONS:
            call_command(command, seed=self.seed, stdout=_ProgressStream(self.progress))
            self.progress(f"{command} done ({time.perf_counter() - started:.1f} s)")
        # The sweeps read back everything just written: plan them for the rows that are there.
        analyse_after_bulk_load()
        progress = progression_sweep(today=self.today)
        self._settle_past_deadlines()
        self.progress(
            f"deadlines {progress.deadlines_created}, tasks {progress.tasks_created}, "
            f"notices {progress.notices_created} ({time.perf_counter() - started:.1f} s)"
        )
        # Verdicts at each past month end first (oldest first), so the dashboards' trends have a year.
        history = replay_month_ends(now=clock.now(), progress=self.progress)
        self.progress(f"compliance history: {history.months} month ends, {history.opened} verdicts stored")
        verdicts = assurance_sweep(today=self.today)
        # Cases the demo extensions changed through the services wait for a re-check: do it now,
        # so the demo opens with fresh verdicts and no "Re-checking" notices.
        rechecked = rechecks_run()
        self.progress(
            f"compliance verdicts {verdicts.verdicts}, {rechecked.cases} re-checked "
            f"({time.perf_counter() - started:.1f} s)"
        )
        # The history and sweeps wrote the verdicts, deadlines and tasks the stored figures sum.
        analyse_after_bulk_load()
        # The national dashboard reads stored tallies; make the first ones so it opens fast.
        tallies = refresh_compliance_tallies(actor=None)
        self.progress(f"oversight tallies {tallies.rows} ({time.perf_counter() - started:.1f} s)")
        # The resourcing pages read stored complexity bands and unit forecasts (resourcing.stored).
        bands = resourcing_stored.refresh_bands(full=True)
        resourcing_summaries.refresh()
        forecasts = resourcing_stored.refresh_forecasts()
        self.progress(
            f"resourcing bands {bands.cases}, forecasts {forecasts['units']} ({time.perf_counter() - started:.1f} s)"
        )
        # The overviews read stored counts per unit and person (workday.tallies).
        overview_counts = workday_tallies.refresh(today=self.today)
        self.progress(
            f"overview counts of {overview_counts.units} units and {overview_counts.people} people"
            f" ({time.perf_counter() - started:.1f} s)"
        )
        # National, area and unit-head IQA analytics read stored figures (quality.analytics_store).
        analytics = analytics_store.refresh(actor=None)
        self.progress(f"IQA analytics of {analytics['scopes']} scopes ({time.perf_counter() - started:.1f} s)")

    # --- people ---------------------------------------------------------------------------------

    def _write_staff(self, staff: list[StaffPlan]) -> None:
        units = dict(Unit.objects.values_list("code", "pk"))
        areas = dict(Area.objects.values_list("code", "pk"))
        forces = dict(PoliceForce.objects.values_list("code", "pk"))
        grades = dict(Grade.objects.values_list("code", "pk"))
        roles = dict(Role.objects.values_list("code", "pk"))
        specialisms = dict(Specialism.objects.values_list("code", "pk"))
        teams = self._write_teams(staff, units)
        password = make_password(self.password)  # hashed once: Argon2 per user would take minutes
        now = clock.now()
        users = User.objects.bulk_create(
            [
                User(
                    username=p.username,
                    password=password,
                    first_name=p.first_name,
                    last_name=p.last_name,
                    email=p.email,
                    is_staff=p.is_staff,
                    is_superuser=p.is_superuser,
                    date_joined=now,
                    unit_id=units.get(p.unit) if p.unit else None,
                    area_id=areas.get(p.area) if p.area else None,
                    police_force_id=forces.get(p.police_force) if p.police_force else None,
                    grade_id=grades.get(p.grade) if p.grade else None,
                    team_id=teams.get((p.unit, p.team)) if p.team else None,
                    fte=p.fte,
                    contracted_hours=p.contracted_hours,
                    working_pattern=p.working_pattern,
                )
                for p in staff
            ],
            batch_size=500,
        )
        self.user_ids = {user.username: user.pk for user in users}
        by_name = {user.username: user for user in users}
        for p in staff:
            if p.line_manager:
                by_name[p.username].line_manager_id = self.user_ids[p.line_manager]
        User.objects.bulk_update([by_name[p.username] for p in staff if p.line_manager], ["line_manager"], 500)
        User.roles.through.objects.bulk_create(
            [User.roles.through(user_id=self.user_ids[p.username], role_id=roles[r]) for p in staff for r in p.roles]
        )
        User.specialisms.through.objects.bulk_create(
            [
                User.specialisms.through(user_id=self.user_ids[p.username], specialism_id=specialisms[s])
                for p in staff
                for s in p.specialisms
            ]
        )
        Absence.objects.bulk_create(
            [
                Absence(
                    person_id=self.user_ids[p.username],
                    kind=a.kind,
                    starts_on=a.starts_on,
                    ends_on=a.ends_on,
                    hours_per_week=a.hours_per_week,
                    reason=a.reason,
                )
                for p in staff
                for a in p.absences
            ]
        )
        events = [
            PendingEvent(
                action=Action.COLLECT,
                subject_type="people.user",
                subject_id=str(self.user_ids[p.username]),
                subject_label=p.username,
                changes={"roles": [None, sorted(p.roles)], "unit": [None, p.unit or p.area or p.police_force]},
            )
            for p in staff
        ]
        self.audit_events += len(record_many(actor=DEMO_LOADER, events=events))

    def _write_teams(self, staff: list[StaffPlan], units: dict[str, int]) -> dict[tuple[str | None, str], int]:
        wanted = sorted({(p.unit, p.team) for p in staff if p.unit and p.team})
        existing = {(t.unit_id, t.name): t.pk for t in Team.objects.all()}
        missing = [Team(unit_id=units[u], name=name) for u, name in wanted if (units[u], name) not in existing]
        Team.objects.bulk_create(missing)
        ids = {(t.unit_id, t.name): t.pk for t in Team.objects.all()}
        return {(u, name): ids[(units[u], name)] for u, name in wanted}

    # --- cases ----------------------------------------------------------------------------------

    def _lookups(self) -> None:
        self.units = dict(Unit.objects.values_list("code", "pk"))
        self.forces = dict(PoliceForce.objects.values_list("code", "pk"))
        self.criteria = dict(AcceptanceCriterion.objects.values_list("code", "pk"))
        self.categories = dict(OffenceCategory.objects.values_list("code", "pk"))
        # The case service's rules hold for demo cases too: loaded once, checked per plan.
        self.references = case_services.case_references(unit_ids=self.units.values(), person_ids=self.user_ids.values())

    def _checked(self, case: Case) -> Case:
        """The case as planned, if the case rules accept it; a generator that breaks them is a bug."""
        values = {field: getattr(case, field) for field in case_services.CASE_EDITABLE_FIELDS}
        errors = case_rules.case_problems(
            unit_id=case.unit_id, values=values, refs=self.references, today=self.today, urn=case.urn
        )
        if errors:
            raise ValueError(f"demo case {case.urn} breaks the case rules: {errors}")
        return case

    def _uid(self, username: str | None) -> int | None:
        return self.user_ids[username] if username else None

    @transaction.atomic
    def _write_cases(self, plans: list[CasePlan]) -> None:
        uid = self._uid
        cases = Case.objects.bulk_create(
            [
                self._checked(
                    Case(
                        urn=p.urn,
                        operation_name=p.operation_name,
                        summary=p.summary,
                        unit_id=self.units[p.unit],
                        lead_force_id=self.forces[p.lead_force],
                        acceptance_criterion_id=self.criteria[p.acceptance_criterion]
                        if p.acceptance_criterion
                        else None,
                        ccp_direction_reason=p.ccp_direction_reason,
                        accepted_on=p.accepted_on,
                        accepted_by_id=uid(p.accepted_by),
                        stage=p.stage,
                        stage_changed_at=p.stage_changed_at,
                        allocated_lawyer_id=uid(p.allocated_lawyer),
                        deputy_lawyer_id=uid(p.deputy_lawyer),
                        paralegal_id=uid(p.paralegal),
                        legal_manager_id=uid(p.legal_manager),
                        created_at=p.created_at,
                        updated_at=p.stage_changed_at,
                        **self._facts(p),
                    ),
                )
                for p in plans
            ]
        )
        pairs = list(zip(plans, cases, strict=True))
        Case.offence_categories.through.objects.bulk_create(
            [
                Case.offence_categories.through(case_id=case.pk, offencecategory_id=self.categories[code])
                for plan, case in pairs
                for code in plan.offence_categories
            ]
        )
        CaseStageEntry.objects.bulk_create(
            [
                CaseStageEntry(
                    case_id=case.pk,
                    stage=e.stage,
                    entered_at=e.entered_at,
                    entered_by_id=uid(e.entered_by),
                    reason=e.reason,
                )
                for plan, case in pairs
                for e in plan.stage_entries
            ]
        )
        charges_by_case = self._write_defendants(pairs)
        hearings = Hearing.objects.bulk_create(
            [
                Hearing(
                    case_id=case.pk,
                    hearing_type=h.hearing_type,
                    starts_at=h.starts_at,
                    court=h.court,
                    outcome=h.outcome,
                    created_at=plan.created_at,
                    updated_at=min(h.starts_at, plan.stage_changed_at),
                )
                for plan, case in pairs
                for h in plan.hearings
            ]
        )
        self._write_documents(pairs)
        hearings_by_case: dict[int, list[tuple[str, dt.date]]] = {}
        for hearing in hearings:
            hearings_by_case.setdefault(hearing.case_id, []).append(
                (hearing.hearing_type, hearing.starts_at.astimezone(clock.LONDON).date())
            )
        workflow_rows = [
            self.workflow.build(
                plan=plan,
                case_id=case.pk,
                uid=self._uid,
                charges=charges_by_case.get(case.pk, []),
                hearings=hearings_by_case.get(case.pk, []),
            )
            for plan, case in pairs
        ]
        self.audit_events += len(record_many(actor=DEMO_LOADER, events=workflow.write(workflow_rows)))
        CaseReview.objects.bulk_create(
            [
                CaseReview(
                    case_id=case.pk,
                    kind=r.kind,
                    reviewed_on=r.reviewed_on,
                    reviewer_id=uid(r.reviewer),
                    note=r.note,
                    created_at=dt.datetime.combine(r.reviewed_on, dt.time(12), tzinfo=dt.UTC),
                )
                for plan, case in pairs
                for r in plan.reviews
            ]
        )
        events = [
            PendingEvent(
                action=Action.COLLECT,
                subject_type="cases.case",
                subject_id=str(case.pk),
                subject_label=str(case)[:250],
                case_id=case.pk,
                changes={"urn": [None, plan.urn], "stage": [None, plan.stage], "unit": [None, plan.unit]},
            )
            for plan, case in pairs
        ]
        self.audit_events += len(record_many(actor=DEMO_LOADER, events=events))

    def _settle_past_deadlines(self) -> None:
        """Past dates in a working unit were mostly met as they fell due; a few were missed with a
        recorded reason and a few are still open (overdue), for the board to show."""
        import random

        rng = random.Random(f"{self.seed}:deadlines")
        reasons = ["police_delay", "defence", "court_listing", "internal", "police_delay"]
        overdue = list(Deadline.objects.filter(status="open", due_on__lt=self.today).order_by("pk"))
        events = []
        for deadline in overdue:
            roll = rng.random()
            if roll < 0.90:
                deadline.status, deadline.met_on = "met", deadline.due_on - dt.timedelta(days=rng.randint(0, 5))
            elif roll < 0.95:
                deadline.status, deadline.missed_reason = "missed", rng.choice(reasons)
                deadline.missed_note = "Recorded at the case progression meeting."
            else:
                continue
            deadline.version += 1
            events.append(
                PendingEvent(
                    action=Action.ALTER,
                    subject_type="progression.deadline",
                    subject_id=str(deadline.pk),
                    subject_label=deadline.key,
                    case_id=deadline.case_id,
                    changes={"status": ["open", deadline.status]},
                )
            )
        settled = [d for d in overdue if d.status != "open"]
        with transaction.atomic():
            Deadline.objects.bulk_update(settled, ["status", "met_on", "missed_reason", "missed_note", "version"], 1000)
            for start in range(0, len(events), 10_000):
                self.audit_events += len(record_many(actor=DEMO_LOADER, events=events[start : start + 10_000]))

    def _facts(self, plan: CasePlan) -> dict[str, Any]:
        facts = dict(plan.facts)
        if category := facts.pop("principal_offence_category", None):
            facts["principal_offence_category_id"] = self.categories[str(category)]
        return facts

    def _write_defendants(self, pairs: list[tuple[CasePlan, Case]]) -> dict[int, list[tuple[str, int]]]:
        """Returns, per case, (custody status, charge id) for every charge."""
        planned = [(plan, case, d) for plan, case in pairs for d in plan.defendants]
        defendants = Defendant.objects.bulk_create(
            [
                Defendant(
                    case_id=case.pk,
                    first_names=d.first_names,
                    last_name=d.last_name,
                    date_of_birth=d.date_of_birth,
                    custody_status=d.custody_status,
                    created_at=plan.created_at,
                    updated_at=plan.stage_changed_at,
                )
                for plan, case, d in planned
            ]
        )
        planned_charges = [
            (
                case.pk,
                d.custody_status,
                Charge(
                    defendant_id=defendant.pk,
                    offence=c.offence,
                    classification=c.classification,
                    charged_on=c.charged_on,
                    created_at=plan.created_at,
                    updated_at=plan.stage_changed_at,
                ),
            )
            for (plan, case, d), defendant in zip(planned, defendants, strict=True)
            for c in d.charges
        ]
        Charge.objects.bulk_create([charge for _case_id, _status, charge in planned_charges])
        by_case: dict[int, list[tuple[str, int]]] = {}
        for case_id, status, charge in planned_charges:
            by_case.setdefault(case_id, []).append((status, charge.pk))
        return by_case

    def _write_documents(self, pairs: list[tuple[CasePlan, Case]]) -> None:
        planned = [(case, d) for plan, case in pairs for d in plan.documents]
        documents = CaseDocument.objects.bulk_create(
            [
                CaseDocument(
                    case_id=case.pk,
                    kind=d.kind,
                    title=d.title,
                    current_version_number=len(d.versions),
                    version=len(d.versions),
                    created_at=d.versions[0].created_at,
                    updated_at=d.versions[-1].created_at,
                )
                for case, d in planned
            ]
        )
        DocumentVersion.objects.bulk_create(
            [
                DocumentVersion(
                    document_id=document.pk,
                    number=number,
                    body=v.body,
                    rationale=v.rationale,
                    metadata=v.metadata,
                    author_id=self._uid(v.author),
                    created_at=v.created_at,
                )
                for (_case, d), document in zip(planned, documents, strict=True)
                for number, v in enumerate(d.versions, start=1)
            ]
        )


def persona_rows() -> Iterable[dict[str, Any]]:
    """The demo logins, as printed by `casework demo` and `casework load_demo`."""
    users = User.objects.select_related("unit", "area", "police_force").filter(
        username__in=[p.username for p in PERSONAS]
    )
    by_name = {u.username: u for u in users}
    for persona in PERSONAS:
        user = by_name.get(persona.username)
        if user is None:
            continue
        where = user.unit or user.area or user.police_force or "National"
        yield {
            "username": user.username,
            "role": user.primary_role_label,
            "where": str(where),
            "name": user.display_name,
        }
