"""The one shape of a page that changes part of a case: every case form in every app is a
`CaseFormView`.

It lives in the cases app because it needs the case register's access path (`case_for_change`,
the consult event) and the case page's sections; progression and assurance sit above cases and use
it, and core, below cases, must not know what a case is.

What every case form gets from here, so that it behaves the same wherever it is:
- the case loaded through `visible_to(user)`: outside the user's view a 404, visible but not theirs
  to change a 403 (a view may narrow who may act with `load_case`);
- sub-records named in the URL loaded within the case (`setup_objects`), a 404 otherwise;
- opening a form that shows a saved record's content logged as a consultation, like the case page;
- one service call (`perform`); its field errors shown on the fields and in the GOV.UK error summary;
  NotFound and PermissionDenied as 404 and 403 pages;
- one conflict answer when someone else saved first: the same message at the top, the user's entries
  kept, the form set against the saved version (and, for record edits, what the other person changed);
- after saving, the success banner on the case page's section the form belongs to (`section`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View

from casework.cases import selectors, services
from casework.cases.models import Case
from casework.cases.templatetags.case_page import CASE_PAGE_SECTIONS
from casework.core.errors import CaseworkError, EditConflict
from casework.core.forms import RecordEditForm, apply_service_error, sign_loaded_values
from casework.core.views import http_error_for, page_errors

SECTION_LABELS = dict(CASE_PAGE_SECTIONS)


def case_section_url(case_id: int, section: str) -> str:
    """The address of one section of the case page (the Overview is the case page itself)."""
    if section == "overview":
        return reverse("cases:detail", args=[case_id])
    return reverse("cases:section", args=[case_id, section])


def raise_page_error(error: CaseworkError) -> None:
    """NotFound and PermissionDenied become the 404 and 403 pages; other errors belong on the form."""
    mapped = http_error_for(error)
    if mapped is not None:
        raise mapped from error


@method_decorator(login_required, name="dispatch")
class CaseFormView(View, ABC):
    """A form that adds or changes one part of a case, through one service."""

    http_method_names = ["get", "post"]
    form_class: type[forms.Form]
    template_name = "cases/part_form.html"
    title = ""
    intro = ""
    submit_label = "Save"
    #: The section of the case page this part is shown in: where the user lands after saving and
    #: where Cancel goes. A slug of CASE_PAGE_SECTIONS; every form view must declare it.
    section: ClassVar[str]

    #: The saved record an edit form changes (set in `setup_objects`); None for forms that add.
    record: Any = None

    case: Case

    # --- what a form view declares ---------------------------------------------------------------

    def load_case(self, user: Any, case_id: int) -> Case:
        """The case, if this user may use this form on it (NotFound / PermissionDenied otherwise)."""
        return selectors.case_for_change(user=user, case_id=case_id)

    def setup_objects(self, **kwargs: Any) -> None:
        """Load sub-records named in the URL (always within `self.case`; 404 if not in it)."""

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def initial(self) -> dict[str, Any]:
        return {}

    @abstractmethod
    def perform(self, form: Any) -> str:
        """Call the one service this form is for; return the confirmation shown to the user."""

    def add_problems(self, form: Any) -> None:
        """A form that did not parse: add any further problems the service can already name."""

    def success_url(self) -> str:
        return case_section_url(self.case.pk, self.section)

    def context(self) -> dict[str, Any]:
        """Extra template context."""
        return {}

    # --- the shape -------------------------------------------------------------------------------

    @property
    def user(self) -> Any:
        return self.request.user

    @property
    def editing(self) -> bool:
        """An edit of a saved record with the loaded-values check (RecordEditForm)."""
        return self.record is not None and issubclass(self.form_class, RecordEditForm)

    def make_form(self, data: Any = None) -> Any:
        return self.form_class(data, **self.form_kwargs())

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with page_errors():
            self.case = self.load_case(request.user, kwargs["case_id"])
            self.setup_objects(**kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.make_form()
        if self.editing:
            with page_errors():
                # The form shows the record's saved content: opening it is a consultation, like the case page.
                services.case_open(actor=self.user, case_id=self.case.pk)
            form.initial = form.initial_for(self.record)
        else:
            form.initial = self.initial()
        return self.render(form)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.make_form(request.POST)
        conflict: list[dict[str, str]] | None = None
        if not form.is_valid():
            self.add_problems(form)
        elif not self.editing or self._restore_loaded(form):
            try:
                message = self.perform(form)
            except EditConflict as error:
                form, conflict = self._after_conflict(form, error)
            except CaseworkError as error:
                raise_page_error(error)
                apply_service_error(form, error)
            else:
                messages.success(request, message)
                # No #fragment: the success banner at the top of the page takes focus.
                return redirect(self.success_url())
        return self.render(form, conflict)

    def render(self, form: Any, conflict: list[dict[str, str]] | None = None) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "case": self.case,
                "view": self,
                "title": self.title,
                "submit_label": self.submit_label,
                "conflict": conflict,
                "section_href": case_section_url(self.case.pk, self.section),
                "section_label": SECTION_LABELS[self.section],
                **self.context(),
            },
        )

    def _restore_loaded(self, form: RecordEditForm) -> bool:
        """Give the record the values the user loaded; False (with a form error) if they do not fit it."""
        try:
            form.restore_loaded_state(self.record)
        except signing.BadSignature:
            form.add_error(None, "This form belongs to another record. Open the page again and re-enter your changes.")
            return False
        return True

    def _after_conflict(self, form: Any, error: EditConflict) -> tuple[Any, list[dict[str, str]] | None]:
        """After a stale save: the form again with the user's entries kept but set against the saved
        version, so that submitting again is a deliberate overwrite, and the conflict message at the
        top. For a record edit, also what the other person changed (the rows of the conflict box)."""
        data = cast(QueryDict, form.data).copy()
        rows: list[dict[str, str]] | None = None
        if self.editing:
            rows = form.conflict_rows(error.changed, self.record)
            saved = type(self.record)._default_manager.get(pk=self.record.pk)
            data["version"] = str(saved.version)
            data["loaded"] = sign_loaded_values(saved, form.record_attnames())
        else:
            data["version"] = str(error.current_version)
        again = self.make_form(data)
        again.is_valid()
        again.add_error(None, error.message)
        return again, rows
