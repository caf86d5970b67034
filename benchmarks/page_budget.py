"""The page budget: every routed page, as every role, timed against its budget.

Signs in as each demo role and GETs one representative URL per routed pattern (discovered from the
URL configuration, as the security matrix does; the Django admin and signing out are left out),
with ids chosen from records that role can see where there are any. Each answer that is a page
(status 200) is timed `--repeat` times; refusals (302, 403, 404, 405) are counted, not timed. The
report gives p50 and p95 server time and the query count per (page, role), pages over budget first.

    uv run python benchmarks/page_budget.py --cases 10000 --db /tmp/budget10k/casework.sqlite3
    uv run python benchmarks/page_budget.py --cases 100000 --db /tmp/budget100k/casework.sqlite3 --repeat 10
    uv run python benchmarks/page_budget.py --cases 100000 --db COPY.sqlite3 --repeat 5 --skip workday:

`--only` keeps the routes whose name contains it; `--skip` leaves out those whose name contains any of
its comma-separated parts. `--refresh-stored` first makes the stored figures the scheduled jobs keep
(for a register built before they existed, whose national pages would otherwise count live).

`benchmarks/run.py` runs the same measurement as its "budget" section (so `make bench` reports it on
SQLite and PostgreSQL at 10,000 cases). Budgets (issue: 100,000 cases, SQLite, 2 cores): every HTML
page p50 <= 300 ms and p95 <= 600 ms; the working-day overview pages p50 <= 150 ms; an export (CSV,
XLSX, JSON) must send its first bytes within 500 ms (its whole time is reported beside it).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: The demo's sign-in names, one per role (README "Demo logins").
ROLES = {
    "prosecutor": "prosecutor.a",
    "paralegal": "paralegal.a",
    "legal manager": "manager.a",
    "unit head": "unithead.a",
    "area leadership": "area.a",
    "HQ analyst": "hq.analyst",
    "HQ policy": "hq.policy",
    "inspector": "inspector",
    "police liaison": "police.x",
    "system administrator": "admin",
    "records officer": "records.a",
}
PAGE_P50_MS, PAGE_P95_MS = 300.0, 600.0
OVERVIEW_P50_MS = 150.0
EXPORT_FIRST_BYTE_MS = 500.0
#: The working-day issue's overview pages ("an overview page per role", where signing in lands, and
#: the home page that sends each person there), held to the tighter budget. The case lists, the task
#: list and the unit board are lists ("My cases stays a list"): the page budget of 300 ms.
OVERVIEW_ROUTES = {"home", "workday:overview"}
#: Not measured: signing out ends the session; the admin site is Django's own, staff only.
SKIPPED_ROUTES = {"logout"}
SKIPPED_NAMESPACES = ("admin:",)
#: Answers that are not the page: refusals, and 429 where a police liaison's API calls per minute are capped.
REFUSED = {302, 401, 403, 404, 405, 429}


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    kwargs: tuple[str, ...]
    defaults: dict[str, Any]


def routes() -> list[Route]:
    """Every named URL pattern with its parameters, one per distinct path (the API names GET and POST
    of one path separately; one GET represents both)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[Route] = []
    seen: set[str] = set()

    def walk(resolver: URLResolver, prefix: str, namespace: str | None) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(part for part in (namespace, pattern.namespace) if part) or None
                walk(pattern, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                path = prefix + str(pattern.pattern)
                if path in seen or name in SKIPPED_ROUTES or name.startswith(SKIPPED_NAMESPACES):
                    continue
                seen.add(path)
                found.append(Route(name, path, tuple(pattern.pattern.regex.groupindex), dict(pattern.default_args)))

    walk(get_resolver(), "", None)
    return found


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile (the p95 of 10 runs is the slowest but one... of 20, the 19th)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# --- representative ids ----------------------------------------------------------------------------


class Representatives:
    """For one person: an id for each URL parameter, from records that person can see where the model
    has an access path (cases and what hangs off them, referrals, agreements, assessments...), else
    the first record there is (the page then shows its refusal, which is also a page to time)."""

    def __init__(self, user: Any) -> None:
        from casework.cases.models import Case

        self.user = user
        visible = Case.objects.visible_to(user).order_by("pk")
        # A case with defendants, charges, hearings and documents if there is one: the heaviest pages.
        self.case = (
            visible.filter(defendants__charges__isnull=False, hearings__isnull=False).first()
            or visible.first()
            or Case.objects.order_by("pk").first()
        )

    def value(self, name: str, route: Route) -> Any:
        if name in route.defaults:
            return route.defaults[name]
        source = SOURCES.get(name)
        if source is None:
            raise LookupError(f"no representative for URL parameter {name!r} (route {route.name})")
        return source(self, route)


def _first(queryset: Any, fallback: Any = 0) -> Any:
    pk = queryset.order_by("pk").values_list("pk", flat=True).first()
    return fallback if pk is None else pk


def _case_child(model_path: str, field: str = "case") -> Callable[[Representatives, Route], Any]:
    def pick(reps: Representatives, route: Route) -> Any:
        from django.apps import apps

        model = apps.get_model(model_path)
        return _first(model.objects.filter(**{field: reps.case}), _first(model.objects.all()))

    return pick


def _visible(model_path: str) -> Callable[[Representatives, Route], Any]:
    def pick(reps: Representatives, route: Route) -> Any:
        from django.apps import apps

        model = apps.get_model(model_path)
        manager = model.objects
        mine = manager.visible_to(reps.user) if hasattr(manager, "visible_to") else manager.all()
        return _first(mine, _first(manager.all()))

    return pick


def _global(model_path: str) -> Callable[[Representatives, Route], Any]:
    def pick(reps: Representatives, route: Route) -> Any:
        from django.apps import apps

        return _first(apps.get_model(model_path).objects.all())

    return pick


def _unit(reps: Representatives, route: Route) -> Any:
    from casework.people.models import Unit

    return reps.user.unit_id or (reps.case.unit_id if reps.case else _first(Unit.objects.all()))


def _rule_code(reps: Representatives, route: Route) -> str:
    from casework.assurance.models import VerdictPeriod

    return (
        VerdictPeriod.objects.filter(valid_to__isnull=True, outcome="not_met")
        .values_list("rule_code", flat=True)
        .first()
        or "psd.present"
    )


def _drill_metric(reps: Representatives, route: Route) -> str:
    from casework.oversight import dashboard

    return next(iter(dashboard.DRILL_METRICS))


def _retention_item(part: str) -> Callable[[Representatives, Route], Any]:
    def pick(reps: Representatives, route: Route) -> Any:
        from casework.records.models import LegalHold

        hold = LegalHold.objects.order_by("pk").first()
        if hold is not None:
            return getattr(hold, part)
        return "case" if part == "record_type" else str(reps.case.pk if reps.case else 0)

    return pick


def _records_kind(reps: Representatives, route: Route) -> str:
    from casework.records import exports

    return next(iter(exports.KINDS))


SOURCES: dict[str, Callable[[Representatives, Route], Any]] = {
    "case_id": lambda reps, route: reps.case.pk if reps.case else 0,
    # The case page's sections share one view; the overview carries the most panels.
    "section": lambda reps, route: "overview",
    # An overview figure's list (the workday app): one every case-holding role has.
    "key": lambda reps, route: "deadlines-overdue",
    "defendant_id": _case_child("cases.Defendant"),
    "charge_id": _case_child("cases.Charge", "defendant__case"),
    "hearing_id": _case_child("cases.Hearing"),
    "document_id": _case_child("cases.CaseDocument"),
    "clock_id": _case_child("progression.CustodyClock"),
    "deadline_id": _case_child("progression.Deadline"),
    "task_id": _case_child("progression.Task"),
    "waiver_id": _case_child("assurance.Waiver"),
    "signoff_id": _case_child("assurance.SignOffRequest"),
    "action_id": _case_child("assurance.PanelAction", "meeting__case"),
    "grant_id": _case_child("cases.CaseAccessGrant"),
    "unit_id": _unit,
    "person_id": lambda reps, route: reps.user.pk,
    "user_id": lambda reps, route: reps.user.pk,
    "token_id": _visible("api.ApiToken"),
    "referral_id": _visible("partners.Referral"),
    "agreement_id": _visible("partners.Agreement"),
    "plan_id": _global("partners.ActionPlan"),
    "number": lambda reps, route: 1,
    "assessment_id": _visible("quality.Assessment"),
    "moderation_id": _global("quality.Moderation"),
    "item_id": _global("quality.SampleItem"),
    "scenario_id": _visible("resourcing.Scenario"),
    "sample_id": _visible("oversight.InspectionSample"),
    "file_id": _global("oversight.SampledFile"),
    "run_id": _global("imports.ImportRun"),
    "job_id": _visible("exports.ExportJob"),
    "export_kind": lambda reps, route: "cases-all",
    "hold_id": _global("records.LegalHold"),
    "record_type": _retention_item("record_type"),
    "record_id": _retention_item("record_id"),
    "kind": _records_kind,
    "fmt": lambda reps, route: "csv",
    "rule_code": _rule_code,
    "metric": _drill_metric,
    "provider_name": lambda reps, route: "no-such-provider",
    "token": lambda reps, route: "not-a-real-token",
}


# --- measuring -------------------------------------------------------------------------------------


#: What the benchmark tells an export's disclosure form (an export is a POST naming recipient and purpose).
DISCLOSURE = {"recipient": "Benchmark run", "purpose": "Measuring how fast the export is"}


def _request(client: Any, url: str, headers: dict[str, str], post: bool = False) -> tuple[int, float, float, str, int]:
    """One GET (or the export's POST): status, ms to the first byte of the body, ms to the last,
    content type, and lines of body (the rows of a CSV, its header included)."""
    started = time.perf_counter()
    response = client.post(url, DISCLOSURE, **headers) if post else client.get(url, **headers)
    if response.streaming:
        chunks = iter(response.streaming_content)
        first_chunk = next(chunks, b"")
        first = time.perf_counter()
        lines = first_chunk.count(b"\n") + sum(chunk.count(b"\n") for chunk in chunks)
    else:
        first = time.perf_counter()
        lines = response.content.count(b"\n")
    done = time.perf_counter()
    content_type = response.get("Content-Type", "").split(";")[0]
    return response.status_code, (first - started) * 1000, (done - started) * 1000, content_type, lines


def _queries(client: Any, url: str, headers: dict[str, str], post: bool) -> int:
    from measure import count_queries

    return count_queries(lambda: _request(client, url, headers, post))


def _asks_for_disclosure(client: Any, url: str) -> bool:
    """An export's GET is the form asking who receives the file and why; its POST is the file. A
    background export's form also asks for the format: its POST queues a job rather than sending a
    file, and benchmarks/background_exports.py times that."""
    response = client.get(url)
    if response.status_code != 200 or response.streaming:
        return False
    return b'name="purpose"' in response.content and b'name="fmt"' not in response.content


def _budget(route: Route, content_type: str) -> dict[str, Any]:
    if content_type == "text/html":
        p50 = OVERVIEW_P50_MS if route.name in OVERVIEW_ROUTES else PAGE_P50_MS
        return {"kind": "page", "p50_ms": p50, "p95_ms": PAGE_P95_MS}
    return {"kind": "export" if "json" not in content_type else "data", "first_byte_ms": EXPORT_FIRST_BYTE_MS}


def _over(row: dict[str, Any]) -> list[str]:
    budget = row["budget"]
    reasons = []
    if "p50_ms" in budget and row["p50_ms"] > budget["p50_ms"]:
        reasons.append(f"p50 {row['p50_ms']:.0f} ms > {budget['p50_ms']:.0f} ms")
    if "p95_ms" in budget and row["p95_ms"] > budget["p95_ms"]:
        reasons.append(f"p95 {row['p95_ms']:.0f} ms > {budget['p95_ms']:.0f} ms")
    if "first_byte_ms" in budget and row["first_byte_p50_ms"] > budget["first_byte_ms"]:
        reasons.append(f"first byte {row['first_byte_p50_ms']:.0f} ms > {budget['first_byte_ms']:.0f} ms")
    return reasons


def measure(
    *,
    repeat: int = 10,
    seconds_per_page: float = 6.0,
    only: str = "",
    skip: tuple[str, ...] = (),
    roles: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Every (route, role) pair: refusals counted, pages timed; over-budget pages first. `only` keeps
    the routes whose name contains it; `skip` leaves out those whose name contains any of its parts."""
    from django.test import Client
    from django.urls import reverse

    from casework.people.models import User
    from measure import progress

    logging.getLogger("django.request").setLevel(logging.ERROR)  # every refusal would be logged
    rows: list[dict[str, Any]] = []
    refusals: dict[str, list[str]] = {}
    errors: list[dict[str, Any]] = []
    chosen = [route for route in routes() if chosen_route(route.name, only, skip)]
    started = time.perf_counter()
    for role, username in (roles or ROLES).items():
        user = User.objects.filter(username=username).first()
        if user is None:
            errors.append({"role": role, "error": f"no demo account {username!r}"})
            continue
        client = Client(raise_request_exception=False)
        client.force_login(user)
        headers = _api_headers(user)
        reps = Representatives(user)
        progress(f"  budget: {len(chosen)} routes as {role} ({username})")
        for route in chosen:
            try:
                url = reverse(route.name, kwargs={name: reps.value(name, route) for name in route.kwargs})
            except Exception as error:  # a route we cannot build is reported, not fatal
                errors.append({"route": route.name, "role": role, "error": f"{type(error).__name__}: {error}"})
                continue
            sent = headers if route.name.startswith("api:") else {}
            for post in (False, True):
                if post and not _asks_for_disclosure(client, url):
                    break
                row = _timed_row(client, route, role, url, sent, post, repeat, seconds_per_page)
                if isinstance(row, int):
                    if row in REFUSED:
                        refusals.setdefault(route.name, []).append(f"{role}:{row}")
                    else:
                        errors.append({"route": route.name, "role": role, "url": url, "status": row})
                    break
                rows.append(row)
    over = sorted((r for r in rows if r["over_budget"]), key=lambda r: -r["p50_ms"])
    within = sorted((r for r in rows if not r["over_budget"]), key=lambda r: -r["p50_ms"])
    return {
        "name": "page budget: every routed page as every role",
        "budgets": {
            "page_p50_ms": PAGE_P50_MS,
            "page_p95_ms": PAGE_P95_MS,
            "overview_p50_ms": OVERVIEW_P50_MS,
            "overview_routes": sorted(OVERVIEW_ROUTES),
            "export_first_byte_ms": EXPORT_FIRST_BYTE_MS,
        },
        "routes": len(chosen),
        "only": only,
        "skipped": list(skip),
        "roles": list((roles or ROLES).keys()),
        "pages_timed": len(rows),
        "over_budget_count": len(over),
        "over_budget": [f"{r['route']} as {r['role']}: {'; '.join(r['over_budget'])}" for r in over],
        "pages": over + within,
        "refused": refusals,
        "errors": errors,
        "seconds": round(time.perf_counter() - started, 1),
    }


def chosen_route(name: str, only: str, skip: tuple[str, ...]) -> bool:
    """Whether a route is measured: its name contains `only` (when given) and none of `skip`."""
    return (not only or only in name) and not any(part in name for part in skip)


def _timed_row(
    client: Any,
    route: Route,
    role: str,
    url: str,
    headers: dict[str, str],
    post: bool,
    repeat: int,
    seconds_per_page: float,
) -> dict[str, Any] | int:
    """One (page, role): its timings, or its status when it is not a page (a refusal, an error)."""
    status, first_ms, total_ms, content_type, lines = _request(client, url, headers, post)  # also the warm-up
    if status != 200:
        return status
    firsts, totals = [first_ms], [total_ms]
    begun = time.perf_counter()
    while len(totals) < repeat and time.perf_counter() - begun < seconds_per_page:
        _, first_ms, total_ms, _, _ = _request(client, url, headers, post)
        firsts.append(first_ms)
        totals.append(total_ms)
    row = {
        "route": route.name + (" (export POST)" if post else ""),
        "role": role,
        "url": url,
        "content_type": content_type,
        "runs": len(totals),
        "p50_ms": round(percentile(totals, 0.5), 1),
        "p95_ms": round(percentile(totals, 0.95), 1),
        "first_byte_p50_ms": round(percentile(firsts, 0.5), 1),
        "queries": _queries(client, url, headers, post),
        "budget": _budget(route, content_type),
    }
    if content_type == "text/csv":
        row["rows"] = max(0, lines - 1)
        row["rows_per_second"] = round(row["rows"] / (row["p50_ms"] / 1000)) if row["p50_ms"] else None
    row["over_budget"] = _over(row)
    return row


def _api_headers(user: Any) -> dict[str, str]:
    """A bearer token for the API pages, where this person may hold one."""
    from casework.api.services import api_token_issue

    try:
        return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(actor=user, name='page budget').token}"}
    except Exception:  # who may not hold a token is measured through the session
        return {}


def refresh_stored_figures() -> dict[str, float]:
    """What the scheduled jobs keep for the national pages, made now: the oversight compliance tallies,
    the assurance dashboard's unit figures, the resourcing bands, unit summaries and forecasts, the
    overviews' stored counts and the IQA analytics.
    Seconds each. For a register built before a stored figure existed (or left unrefreshed): without
    it the pages measure their live fallback, which no one in service waits for after the first job."""
    from casework.assurance import tallies
    from casework.oversight.services import refresh_compliance_tallies
    from casework.quality import analytics_store
    from casework.resourcing import stored, summaries
    from casework.workday import tallies as overview_counts
    from measure import progress

    steps: dict[str, Callable[[], Any]] = {
        "oversight_tallies": lambda: refresh_compliance_tallies(actor=None),
        "assurance_tallies": tallies.refresh,
        "resourcing_bands": lambda: stored.refresh_bands(full=True),
        "resourcing_summaries": summaries.refresh,
        "resourcing_forecasts": stored.refresh_forecasts,
        "overview_counts": overview_counts.refresh,
        "iqa_analytics": analytics_store.refresh,
    }
    seconds = {}
    for name, step in steps.items():
        started = time.perf_counter()
        step()
        seconds[name] = round(time.perf_counter() - started, 1)
        progress(f"  stored figures: {name} refreshed in {seconds[name]} s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to build or reuse")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per (page, role)")
    parser.add_argument("--seconds", type=float, default=6.0, help="time limit per (page, role) before stopping")
    parser.add_argument("--only", default="", help="only routes whose name contains this")
    parser.add_argument(
        "--skip",
        default="",
        help="leave out routes whose name contains any of these (comma-separated, e.g. 'workday:,cases:my')",
    )
    parser.add_argument(
        "--refresh-stored",
        action="store_true",
        help="first refresh the stored figures the scheduled jobs keep (for a register built before they existed)",
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    sys.path[:0] = [str(HERE)]
    import run

    database = run.configure(args.backend, args.db)
    run.build(args.cases, args.seed)
    refreshed = {"stored_figures_refreshed_seconds": refresh_stored_figures()} if args.refresh_stored else {}
    report = (
        {"database": database, "scale": run.scale()}
        | refreshed
        | measure(
            repeat=args.repeat,
            seconds_per_page=args.seconds,
            only=args.only,
            skip=tuple(part.strip() for part in args.skip.split(",") if part.strip()),
        )
    )
    text = json.dumps(report, indent=2)
    out = (
        args.out or HERE / "results" / f"page-budget-{args.backend}-{args.cases}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(json.dumps({k: report[k] for k in ("scale", "pages_timed", "over_budget_count", "over_budget")}, indent=2))
    print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
