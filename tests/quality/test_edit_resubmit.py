"""The assessment form after a failed submit: a corrected resubmit saves; a genuine concurrent change is
shown as a conflict (what changed, what to do) with the user's answers kept, never a silent no-op."""

from __future__ import annotations

from django.test import Client

from casework.quality import services
from casework.quality.choices import AssessmentStatus
from casework.quality.models import Assessment
from tests.factories import PASSWORD
from tests.quality.conftest import all_answers, reload


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _hidden(page: str, name: str) -> str:
    marker = f'name="{name}" value="'
    if marker not in page:
        return ""
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def _post_data(page: str, answers: dict[str, tuple[str, str]], **extra: str) -> dict[str, str]:
    """What the browser sends back: the hidden fields as the page rendered them, plus the answers."""
    data = {"version": _hidden(page, "version"), "loaded": _hidden(page, "loaded"), "summary": "Solid file."}
    for code, (value, comment) in answers.items():
        data[f"q_{code}"], data[f"c_{code}_{value}"] = value, comment
    data.update(extra)
    return data


def _start(manager, case) -> Assessment:
    return services.assessment_start(actor=manager, case_id=case.pk)


def _open_draft(personas, case) -> tuple[Client, Assessment, str, str]:
    """A new assessment by manager_a, its edit form opened: (client, assessment, url, page)."""
    manager = _client(personas.manager_a)
    assessment = _start(personas.manager_a, case)
    url = f"/quality/assessments/{assessment.pk}/edit/"
    return manager, assessment, url, manager.get(url).content.decode()


def test_a_corrected_resubmit_after_a_failed_submit_is_saved(personas, case_a) -> None:
    manager, assessment, url, page = _open_draft(personas, case_a)
    answers = all_answers(assessment)
    first_code = next(iter(answers))
    incomplete = {code: pair for code, pair in answers.items() if code != first_code}

    # Submitting with a question unanswered is refused (the answers given are kept as a draft).
    response = manager.post(url, _post_data(page, incomplete, submit="1"))
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert reload(assessment).status == AssessmentStatus.DRAFT
    # The page carries the version now saved, so the corrected submit is not stale.
    assert _hidden(page, "version") == str(reload(assessment).version)

    response = manager.post(url, _post_data(page, answers, submit="1"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert reload(assessment).status == AssessmentStatus.SUBMITTED
    assert reload(assessment).answers.exclude(value="").count() == len(answers)


def test_every_later_submit_after_two_failures_still_saves(personas, case_a) -> None:
    manager, assessment, url, page = _open_draft(personas, case_a)
    answers = all_answers(assessment)
    codes = list(answers)
    incomplete = {c: answers[c] for c in codes[1:]}
    no_comment = {**incomplete, codes[1]: ("partially_met", "")}
    for attempt in (incomplete, no_comment, incomplete):
        page = manager.post(url, _post_data(page, attempt, submit="1")).content.decode()
        assert "<title>Error: " in page
        assert reload(assessment).status == AssessmentStatus.DRAFT
    assert manager.post(url, _post_data(page, answers, submit="1")).status_code == 302
    assert reload(assessment).status == AssessmentStatus.SUBMITTED


def test_a_genuine_concurrent_change_is_shown_with_the_answers_kept(personas, case_a) -> None:
    manager, assessment, url, page = _open_draft(personas, case_a)
    answers = all_answers(assessment)
    first_code = next(iter(answers))
    # Meanwhile the same form, open in another tab, saves a different answer to the first question.
    services.assessment_answers_save(
        actor=personas.manager_a,
        assessment_id=assessment.pk,
        expected_version=assessment.version,
        answers={first_code: ("not_met", "Nothing on file")},
    )
    mine = {**answers, first_code: ("partially_met", "MY-OWN-COMMENT")}
    response = manager.post(url, _post_data(page, mine, submit="1"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page and "govuk-error-summary" in page
    assert "saved this assessment after you opened it" in page and "check them" in page
    # What changed, naming the question, with a link to it.
    assert f'href="#id_q_{first_code}_0"' in page and "Not met" in page
    # The user's answers are kept in the form, nothing of theirs was saved.
    assert "MY-OWN-COMMENT" in page
    saved = reload(assessment)
    assert saved.status == AssessmentStatus.DRAFT
    assert saved.answers.get(question__code=first_code).value == "not_met"
    # Sending again is a deliberate choice and goes through.
    response = manager.post(url, _post_data(page, mine, submit="1"))
    assert response.status_code == 302
    saved = reload(assessment)
    assert saved.status == AssessmentStatus.SUBMITTED
    assert saved.answers.get(question__code=first_code).comment == "MY-OWN-COMMENT"


def test_an_assessment_submitted_elsewhere_says_so_and_keeps_the_answers(personas, case_a) -> None:
    manager, assessment, url, page = _open_draft(personas, case_a)
    answers = all_answers(assessment)
    services.assessment_answers_save(
        actor=personas.manager_a, assessment_id=assessment.pk, expected_version=1, answers=answers
    )
    services.assessment_submit(actor=personas.manager_a, assessment_id=assessment.pk, expected_version=2)
    response = manager.post(url, _post_data(page, {**answers, next(iter(answers)): ("not_met", "LATE-NOTE")}, save="1"))
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert "submitted" in page.lower() and "LATE-NOTE" in page
    # Opening the form of a submitted assessment goes to the assessment itself.
    response = manager.get(url)
    assert response.status_code == 302 and response["Location"] == f"/quality/assessments/{assessment.pk}/"


def test_the_edit_form_stays_closed_to_others(personas, case_a) -> None:
    assessment = _start(personas.manager_a, case_a)
    url = f"/quality/assessments/{assessment.pk}/edit/"
    for persona in ("prosecutor_a", "unithead_a", "prosecutor_b", "hq", "inspector", "police_x", "admin"):
        client = _client(getattr(personas, persona))
        assert client.get(url).status_code == 404, persona
        assert client.post(url, {"version": "1", "save": "1"}).status_code == 404, persona


def test_a_stale_second_marking_resolution_is_shown_not_dropped(personas, case_a, team) -> None:
    from casework.quality.models import Moderation, QuotaPolicy

    QuotaPolicy.objects.update(moderation_share=1)
    from tests.quality.conftest import submitted

    a = submitted(personas.manager_a, case_a)
    moderation = Moderation.objects.get(assessment=a)
    services.moderation_submit(
        actor=moderation.moderator, moderation_id=moderation.pk, expected_version=1, answers=all_answers(a)
    )
    client = _client(moderation.moderator)
    url = f"/quality/moderation/{moderation.pk}/resolve/"
    response = client.post(url, {"version": "1", "outcome": "first_mark_stands", "notes": "MY-REASONS"})
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert "Someone else changed this" in page and "MY-REASONS" in page
    assert _hidden(page, "version") == str(Moderation.objects.get(pk=moderation.pk).version)


def test_draft_changes_names_only_what_moved() -> None:
    from casework.quality.rules import draft_changes

    loaded = {"summary": [""], "q1": ["fully_met", ""], "q2": ["not_met", "x"]}
    assert draft_changes(loaded, loaded) == []
    assert draft_changes(loaded, {**loaded, "q2": ["not_met", "y"]}) == ["q2"]
    assert draft_changes(loaded, {**loaded, "summary": ["Good"], "q3": ["na", ""]}) == ["summary", "q3"]
    assert draft_changes({}, {"summary": [""], "q1": ["", ""]}) == []
    assert draft_changes({}, {"summary": [""], "q1": ["fully_met", ""]}) == ["q1"]
