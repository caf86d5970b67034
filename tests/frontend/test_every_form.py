"""Every form in the service, submitted empty and with bad values, answers the GOV.UK way.

The forms are found, not listed: each demo persona follows every link it is shown (from its home
page and its navigation), and every <form> on every page reached is collected, grouped by the URL
name it posts to. A new form is therefore covered as soon as any page links to it; a URL name of
the project that no page leads to must be named in NOT_REACHED with the reason, so nothing slips
through silently.

Each form is submitted twice: with every field the user can see left empty, and with bad values
(choices that are not offered, impossible dates, words in number boxes, text past any limit). When
the page comes back with errors it must have:
- an error summary, each of whose links points at an element that exists on the page;
- a page title that starts "Error: ";
- what the user typed, kept;
- none of Django's default wording ("This field is required.", "Ensure this value ...").
A bad submission that is accepted (a redirect) is itself a failure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

from casework.cases.models import Case
from casework.core.govuk_forms import DOCUMENT_MAX
from casework.people.models import User
from tests.factories import make_case
from tests.security.urls import all_routes

pytestmark = pytest.mark.django_db

#: Pages of the same shape (ids replaced) are visited a few times per persona: the forms on a page
#: depend on the state of its record (a submitted assessment has a feedback form, a draft does not).
VISITS_PER_SHAPE = 4
MAX_PAGES_PER_PERSONA = 400
SKIPPED_SUFFIXES = (".csv", ".xlsx", ".ics", ".json", ".pdf", ".zip", "/logout/")

#: URL names no page leads to, or that hold no form a person fills in, and why.
NOT_REACHED = {
    "logout": "a sign-out button with nothing to fill in",
    "healthz": "for load balancers",
    "login": "checked in test_sign_in_form below (every other page needs a signed-in user)",
    "imports:run": "needs an uploaded file: covered by tests/imports/test_views.py",
    "imports:start": "a button on an import run",
    "imports:resume": "a button on an import run",
    "progression:calendar_ics": "a calendar feed for other software",
    "partners:portal_answer": "needs a CCU action plan on the force's referral: covered by tests/partners",
    "partners:portal_send_missing": "only on a request sent with items missing: covered by tests/partners",
    "resourcing:scenario": "a saved scenario: a page to read, with no form",
    "oversight:sample": "reached below after drawing a sample",
    "oversight:examine": "reached below after drawing a sample",
    "oversight:pack_sample": "reached below after drawing a sample",
    # Sign-in steps a signed-in person never sees: tests/identity/test_form_errors.py submits each.
    "login_code": "the second sign-in step, reached only mid sign-in: tests/identity/test_form_errors.py",
    "password_reset": "linked from the sign-in page, for people not signed in: tests/identity/test_form_errors.py",
    "account_set_password": "the one-time link in an invitation or reset e-mail: tests/identity/test_form_errors.py",
    "oidc_start": "a redirect to the organisation's sign-in, offered only when one is configured; no form",
    "oidc_callback": "where the organisation's sign-in sends people back; no form",
    # Buttons with nothing to fill in, shown only in states the demo does not make.
    "account_recovery_codes": "a button on your account page once you have an authenticator app",
    "account_reset_authenticator": "a button on the account page of someone with an authenticator app",
    "account_reactivate": "a button on the account page of a switched-off account",
    # Agreement states the demo does not make (a negotiated draft, a varied clause, an open meeting
    # action or disagreement); tests/partners/test_views.py posts to the signing form.
    "partners:agreement_sign": "shown on an agreement under negotiation: tests/partners/test_views.py",
    "partners:agreement_remove_deviation": "a button beside a varied clause, nothing to fill in",
    "partners:agreement_action_done": "a button beside an open liaison meeting action, nothing to fill in",
    "partners:agreement_resolve_disagreement": "shown beside an open disagreement: tests/partners/test_views.py",
    # A background export's pages exist only once someone has asked for one (a POST the crawl does not
    # make); tests/exports/test_background_exports.py reaches each and the browser suite checks them.
    "exports:job": "the progress page of an export someone asked for: tests/exports",
    "exports:status": "the progress of an export as JSON, for the page's reload: tests/exports",
    "exports:download": "the finished file of an export, for the one who asked: tests/exports",
}
DJANGO_DEFAULT_WORDING = re.compile(
    r"This field is required|Enter a valid|Ensure this value|Select a valid choice|Enter a whole number|"
    r"Enter a number\.|The two password fields|didn’t match|No file was submitted|Enter a list of values"
)
BAD_CHOICE = "not-one-of-the-options"
LONG_TEXT = "Too long. " * (DOCUMENT_MAX // 10 + 1)
BAD_DATE_PARTS = {"day": "32", "month": "13", "year": "20x6", "time": "25:99"}


@dataclass
class FoundForm:
    persona: str
    page: str
    action: str
    method: str
    fields: list[Tag]
    submit_name: str = ""

    @property
    def target(self) -> str:
        return resolve(urlsplit(self.action).path).view_name


@dataclass
class Crawl:
    pages: dict[str, set[str]] = field(default_factory=dict)  # url name -> personas that reached it
    forms: dict[str, FoundForm] = field(default_factory=dict)  # "url name:form index" -> first instance
    #: URL names that buttons with nothing to fill in post to (reached, nothing to check).
    buttons: set[str] = field(default_factory=set)


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _links(soup: BeautifulSoup, base: str) -> Iterator[str]:
    for anchor in soup.find_all("a", href=True):
        href = urljoin(base, str(anchor["href"]))
        parts = urlsplit(href)
        if parts.netloc and parts.netloc != "testserver":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        ours = path.startswith("/") and not path.startswith(("/admin/", "/api/", "/static/"))
        if ours and not parts.path.endswith(SKIPPED_SUFFIXES):
            yield path


def _user_fields(form: Tag) -> list[Tag]:
    inputs = form.find_all(["input", "select", "textarea"])
    return [
        tag
        for tag in inputs
        if tag.get("name")
        and tag.get("name") != "csrfmiddlewaretoken"
        and tag.get("type") not in {"hidden", "submit", "button"}
    ]


def _collect_forms(crawl: Crawl, persona: str, path: str, soup: BeautifulSoup) -> None:
    for index, form in enumerate(soup.find_all("form")):
        fields = _user_fields(form)
        action = urljoin(path, str(form.get("action") or path))
        try:
            target = resolve(urlsplit(action).path).view_name
        except Resolver404:
            pytest.fail(f"{path}: a form posts to {action}, which is not a page of the service")
        if not fields:
            crawl.buttons.add(target)  # a button with nothing to fill in (re-check, mark read, complete task)
            continue
        method = str(form.get("method") or "get").lower()
        key = f"{target}:{method}:{index}:{','.join(sorted({str(f['name']) for f in fields}))}"
        button = form.find("button", attrs={"name": True})
        crawl.forms.setdefault(
            key,
            FoundForm(persona, path, action, method, fields, str(button["name"]) if button else ""),
        )


def _crawl(
    clients: dict[str, Client], start_paths: dict[str, list[str]], crawl: Crawl | None = None, max_pages: int = 0
) -> Crawl:
    crawl = crawl or Crawl()
    for persona, client in clients.items():
        queue = [*start_paths.get(persona, [])] if max_pages else ["/", *start_paths.get(persona, [])]
        visits: dict[str, int] = {}
        done: set[str] = set()
        while queue and len(done) < (max_pages or MAX_PAGES_PER_PERSONA):
            path = queue.pop(0)
            shape = _shape(path.split("?")[0]) + ("?" if "?" in path else "")
            if path in done or visits.get(shape, 0) >= VISITS_PER_SHAPE:
                continue
            visits[shape] = visits.get(shape, 0) + 1
            done.add(path)
            response = client.get(path, follow=True)
            assert response.status_code < 500, f"GET {path} as {persona}: {response.status_code}"
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            final = response.redirect_chain[-1][0] if response.redirect_chain else path
            for reached in {path, final}:
                try:
                    crawl.pages.setdefault(resolve(urlsplit(reached).path).view_name, set()).add(persona)
                except Resolver404:
                    continue
            soup = BeautifulSoup(response.content, "html.parser")
            _collect_forms(crawl, persona, final, soup)
            queue.extend(link for link in _links(soup, final) if link not in done)
    return crawl


# --- submitting ------------------------------------------------------------------------------------


def _hidden_values(client: Client, found: FoundForm) -> dict[str, list[str]]:
    """The form's hidden values and CSRF token as the page gives them now (versions move on)."""
    soup = BeautifulSoup(client.get(found.page).content, "html.parser")
    data: dict[str, list[str]] = {}
    for form in soup.find_all("form"):
        action = urljoin(found.page, str(form.get("action") or found.page))
        names = {str(f["name"]) for f in _user_fields(form)}
        if action != found.action or names != {str(f["name"]) for f in found.fields}:
            continue
        for tag in form.find_all("input", attrs={"type": "hidden"}):
            if tag.get("name"):
                data.setdefault(str(tag["name"]), []).append(str(tag.get("value") or ""))
    return data


def _bad_value(tag: Tag) -> str | None:
    name = str(tag["name"])
    kind = tag.get("type") or tag.name
    for part, value in BAD_DATE_PARTS.items():
        if name.endswith(f"_{part}") and tag.name == "input":
            return value
    if tag.name in {"select"} or kind in {"radio", "checkbox"}:
        return BAD_CHOICE
    if kind == "number" or tag.get("inputmode") == "numeric":
        return "many"
    return LONG_TEXT[:5000] if tag.name == "input" else LONG_TEXT


def _submission(found: FoundForm, hidden: dict[str, list[str]], bad: bool) -> dict[str, list[str]]:
    data = {name: list(values) for name, values in hidden.items()}
    if found.submit_name:
        data[found.submit_name] = ["1"]
    if bad:
        for tag in found.fields:
            value = _bad_value(tag)
            if value is not None:
                data[str(tag["name"])] = [value]
    return data


def _check_error_page(found: FoundForm, how: str, body: str, typed: dict[str, list[str]]) -> list[str]:
    where = f"{how} {found.method.upper()} {found.action} (form on {found.page}, as {found.persona})"
    soup = BeautifulSoup(body, "html.parser")
    problems = []
    summary = soup.find(class_="govuk-error-summary")
    if summary is None:
        return [f"{where}: errors shown without an error summary"]
    for link in summary.find_all("a", href=True):
        target = str(link["href"]).lstrip("#")
        if not soup.find(id=target):
            problems.append(f"{where}: error link #{target} ({link.get_text(strip=True)!r}) points at nothing")
    title = soup.title.get_text() if soup.title else ""
    if not title.startswith("Error: "):
        problems.append(f"{where}: title {title!r} does not start with 'Error: '")
    text = soup.get_text(" ")
    if match := DJANGO_DEFAULT_WORDING.search(text):
        problems.append(f"{where}: Django's default wording {match.group(0)!r}")
    for name, values in typed.items():
        for value in values:
            kept = value in body or value.replace("'", "&#x27;") in body
            if value and value not in {BAD_CHOICE, "1"} and not kept:
                problems.append(f"{where}: what was typed in {name!r} is lost")
    return problems


def _submit(client: Client, found: FoundForm, *, bad: bool) -> list[str]:
    hidden = _hidden_values(client, found)
    data = _submission(found, hidden, bad)
    send = client.get if found.method == "get" else client.post
    response = send(found.action, data)
    how = "bad values:" if bad else "empty:"
    where = f"{how} {found.method.upper()} {found.action} (form on {found.page}, as {found.persona})"
    if response.status_code >= 500:
        return [f"{where}: server error {response.status_code}"]
    if response.status_code in {301, 302}:
        return [f"{where}: bad values were accepted (redirect to {response['Location']})"] if bad else []
    body = response.content.decode()
    if "govuk-error-message" not in body and "govuk-error-summary" not in body:
        if bad and found.method == "post":
            return [f"{where}: bad values were accepted without an error ({response.status_code})"]
        return []
    # Passwords are never shown again, and a browser cannot put a file back: neither is "kept".
    kept = [
        t
        for t in found.fields
        if t.name == "textarea" or (t.name == "input" and t.get("type") in {None, "text", "number", "email"})
    ]
    typed = {str(t["name"]): data.get(str(t["name"]), []) for t in kept}
    typed = {name: values for name, values in typed.items() if not name.endswith(tuple(BAD_DATE_PARTS))}
    return _check_error_page(found, how, body, typed)


# --- the test --------------------------------------------------------------------------------------


def _draw_inspection_sample(client: Client) -> str:
    response = client.post(
        "/oversight/samples/", {"title": "Form check sample", "seed": "forms", "per_unit": "2"}, follow=False
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"])


def _work_in_every_state() -> dict[str, list[str]]:
    """Records in the states whose pages carry the remaining forms (a draft assessment, one awaiting
    feedback, a moderation to mark, a waiver, a panel action), made through the services as the
    unit's staff would, and the pages where the person who acts on each one finds its form."""
    from casework.assurance import services as assurance
    from casework.core import clock
    from casework.progression.models import Notice, Task
    from casework.quality import selectors as quality_selectors
    from casework.quality import services as quality
    from casework.quality.models import Moderation
    from casework.quality.rules import Quarter

    manager = User.objects.get(username="manager.a")
    prosecutors = list(
        User.objects.filter(unit_id=manager.unit_id, roles__code="prosecutor", is_active=True).order_by("pk")[:3]
    )
    unit_cases = [
        make_case(actor=manager, allocated_lawyer_id=prosecutors[index % len(prosecutors)].pk) for index in range(6)
    ]
    starts: dict[str, list[str]] = {}

    def add(user: User, path: str) -> None:
        starts.setdefault(user.username, []).append(path)

    def answered(case: Case) -> Any:
        assessment = quality.assessment_start(actor=manager, case_id=case.pk)
        answers = {q.code: ("fully_met", "") for q in quality_selectors.questions_for(assessment)}
        quality.assessment_answers_save(actor=manager, assessment_id=assessment.pk, expected_version=1, answers=answers)
        return quality.assessment_submit(actor=manager, assessment_id=assessment.pk, expected_version=2)

    quality.sample_propose(
        actor=manager, prosecutor_id=unit_cases[0].allocated_lawyer_id, quarter=Quarter.of(clock.today()).label
    )
    add(manager, "/quality/sample/")
    draft = quality.assessment_start(actor=manager, case_id=unit_cases[1].pk)
    add(manager, f"/quality/assessments/{draft.pk}/")
    waiting = answered(unit_cases[2])
    add(manager, f"/quality/assessments/{waiting.pk}/")
    moderation = quality.moderation_assign(actor=manager, assessment=waiting)
    if moderation is not None:
        add(moderation.moderator, f"/quality/moderation/{moderation.pk}/")
    fed_back = answered(unit_cases[3])
    quality.assessment_feedback_record(
        actor=manager,
        assessment_id=fed_back.pk,
        expected_version=fed_back.version,
        meeting_on=clock.today(),
        notes="Met.",
    )
    add(fed_back.prosecutor, f"/quality/assessments/{fed_back.pk}/")
    acknowledged = answered(unit_cases[4])
    acknowledged = quality.assessment_feedback_record(
        actor=manager, assessment_id=acknowledged.pk, expected_version=acknowledged.version, meeting_on=clock.today(),
        notes="Met.",
    )  # fmt: skip
    quality.assessment_acknowledge(
        actor=acknowledged.prosecutor, assessment_id=acknowledged.pk, expected_version=acknowledged.version
    )
    add(manager, f"/quality/assessments/{acknowledged.pk}/")

    completed = Moderation.objects.filter(status="completed").select_related("moderator").first()
    if completed is not None:
        add(completed.moderator, f"/quality/moderation/{completed.pk}/resolve/")
    task = Task.objects.filter(status="open", assignee__isnull=False).select_related("assignee").first()
    if task is not None:
        add(task.assignee, "/progression/tasks/")
    notice = Notice.objects.filter(read_at__isnull=True).select_related("user").first()
    if notice is not None:
        add(notice.user, "/progression/notices/")

    case = unit_cases[5]
    waiver = assurance.waiver_grant(
        actor=manager,
        case=case,
        rule_code="review.current",
        reason="Reviewed at the panel meeting; the next review is booked.",
        expires_on=clock.today() + dt.timedelta(days=30),
    )
    assurance.panel_meeting_record(
        actor=manager,
        case=case,
        held_on=clock.today(),
        member_ids=[manager.pk],
        decisions="Proceed.",
        rationale="The evidence supports it.",
        actions=[{"description": "Instruct counsel", "owner_id": manager.pk, "due_on": clock.today()}],
    )
    add(manager, f"/assurance/cases/{case.pk}/waivers/{waiver.pk}/revoke/")
    add(manager, f"/assurance/cases/{case.pk}/panel/")
    add(manager, f"/assurance/cases/{case.pk}/exemptions/new/")
    _records_to_review(manager, starts)
    return starts


def _records_to_review(manager: User, starts: dict[str, list[str]]) -> None:
    """Case files of the unit closed long ago (some under legal hold) and a restricted case, made as
    the demo makes them; the records officer finds the review, hold and restriction forms."""
    from casework.cases import services as case_services
    from casework.records.demo import load_records_demo
    from casework.records.models import LegalHold
    from tests.records.conftest import finalise

    for _ in range(6):
        finalise(make_case(actor=manager), manager)
    load_records_demo()
    head = User.objects.get(username="unithead.a")
    if not Case.objects.filter(unit_id=head.unit_id, restricted_at__isnull=False).exists():
        restricted = make_case(actor=manager)
        case_services.case_restrict(actor=head, case_id=restricted.pk, reason="The defendant contests the address.")
    officer = "records.a"
    starts.setdefault(officer, []).extend(["/records/review/", "/records/restricted/"])
    for hold in LegalHold.objects.active():
        starts[officer].append(f"/records/review/{hold.record_type}/{hold.record_id}/")


def _open_a_colleagues_case(client: Client) -> None:
    """Gives the unit's managers an access review to do."""
    user = User.objects.get(username="prosecutor.a")
    other = Case.objects.filter(unit_id=user.unit_id).exclude(allocated_lawyer=user).exclude(deputy_lawyer=user)
    case = other.exclude(paralegal=user).first()
    if case is None:  # a small demo whose unit's cases are all the prosecutor's: add a colleague's
        case = make_case(actor=User.objects.get(username="manager.a"), operation_name="Operation Colleague")
    response = client.post("/cases/find/", {"urn": case.urn, "justification": "Covering a hearing tomorrow."})
    assert response.status_code == 302, response.content.decode()[:2000]


def _an_unread_notice_for(username: str) -> None:
    """The notices page's "Mark as read" shows only with something unread: a small demo's sweep
    may have told this person nothing."""
    from casework.core import clock
    from casework.progression.models import Notice

    user = User.objects.get(username=username)
    if Notice.objects.filter(user=user, read_at__isnull=True).exists():
        return
    case = Case.objects.filter(allocated_lawyer=user).order_by("pk").first()
    assert case is not None
    Notice.objects.create(
        user=user,
        case=case,
        key=f"crawl:{case.pk}",
        event="deadline_moved",
        due_on=clock.today(),
        text=f"{case.urn}: a deadline moved.",
        created_at=clock.now(),
    )


def _richest_case_sections(username: str) -> list[str]:
    """Every section of the person's case with the most parts (defendants, charges, hearings,
    documents, custody clocks, deadlines), so the crawl meets each part's forms whatever order the
    demo's cases come in."""
    from django.db.models import Count
    from django.urls import reverse

    from casework.cases.templatetags.case_page import CASE_PAGE_SECTIONS

    user = User.objects.get(username=username)
    rich = (
        Case.objects.filter(allocated_lawyer=user)
        .annotate(
            parts=Count("defendants__charges", distinct=True)
            + Count("hearings", distinct=True)
            + Count("documents", distinct=True)
            + Count("custody_clocks", distinct=True)
            + Count("deadlines", distinct=True)
        )
        .order_by("-parts", "pk")
        .first()
    )
    if rich is None:
        return []
    return [reverse("cases:detail", args=[rich.pk])] + [
        reverse("cases:section", args=[rich.pk, slug]) for slug, _label in CASE_PAGE_SECTIONS if slug != "overview"
    ]


def test_every_form_answers_errors_the_govuk_way(demo_clients: dict[str, Client]) -> None:
    sample_path = _draw_inspection_sample(demo_clients["inspector"])
    _open_a_colleagues_case(demo_clients["prosecutor.a"])
    _an_unread_notice_for("prosecutor.a")
    starts = {
        "inspector": [sample_path],
        "admin": ["/imports/"],
        "prosecutor.a": _richest_case_sections("prosecutor.a"),
    }
    crawl = _crawl(demo_clients, starts)
    extra = _work_in_every_state()
    for username in extra:
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=username))
        demo_clients.setdefault(username, client)
    _crawl({name: demo_clients[name] for name in extra}, extra, crawl, max_pages=40)
    reached = set(crawl.pages) | crawl.buttons | {found.target for found in crawl.forms.values()}
    routes = {route.name for route in all_routes() if not route.name.startswith(("admin:", "api"))}
    exports = {name for name in routes if name.endswith(("_export", "_csv", "_xlsx"))}
    unreached = sorted(routes - reached - exports - set(NOT_REACHED))
    assert unreached == [], f"no page leads to these (link them, or say why in NOT_REACHED): {unreached}"
    assert len(crawl.forms) > 60, f"only {len(crawl.forms)} forms found: is the crawl broken?"

    problems: list[str] = []
    for found in crawl.forms.values():
        client = demo_clients[found.persona]
        for bad in (False, True):
            # Each submission is undone afterwards, so one form's effect (an edit that takes a person
            # off a case) cannot change what the next form shows.
            with transaction.atomic():
                problems += _submit(client, found, bad=bad)
                transaction.set_rollback(True)
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


def test_sign_in_form(client, db) -> None:
    response = client.post("/login/", {"username": "", "password": ""})
    found = FoundForm("nobody", "/login/", "/login/", "post", [])
    assert _check_error_page(found, "empty:", response.content.decode(), {}) == []
    assert "Enter your username" in response.content.decode() or "Enter username" in response.content.decode()
