"""Every page form speaks the GOV.UK Design System: error messages that name the field and say what
to do, a server-side length limit on free text, and questions revealed by the answer that needs them.

Forms inherit `GovukForm` (or mix `GovukFormMixin` into a Django form class). Just before validation
the mixin replaces each of Django's default messages ("This field is required.", "Ensure this value
is greater than or equal to 1.") with one built from the field's label, in the Design System's
wording: "Enter what the court directed", "Select the type of hearing", "Files per unit must be 1 or
more". A message the form sets itself (`error_messages=` or a validation error it raises) is kept:
write one wherever the label does not make a good sentence (questions such as "Why is this being
disclosed?" always need one).

Limits: every multi-line text field declares `max_length` (`NOTE_MAX`, `TEXT_MAX`, `DOCUMENT_MAX`);
pages show it with the character count component and the server refuses longer text with a message.
Single-line inputs never carry a `maxlength` attribute, so nothing is silently cut off.

Conditional questions: `REVEALS = {"missed_note": Reveal("missed_reason", ("other",))}` shows the
note under the "Other" radio (or under a checkbox: `Reveal("disagrees", CHECKED)`) and makes it
required only when that answer is chosen. Without JavaScript the question is shown all the time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms

#: Short free text: a note, a reason, a comment.
NOTE_MAX = 2_000
#: Longer narrative: a summary, findings, advice, decisions.
TEXT_MAX = 10_000
#: A document's content.
DOCUMENT_MAX = 100_000

#: The value a single checkbox reveals its question with.
CHECKED = ("on",)

UNCHECKABLE_FORM = "This form could not be checked. Open the page again and re-enter your changes."

_SELECT_FIELDS = (forms.ChoiceField, forms.ModelChoiceField, forms.BooleanField, forms.FileField)
_TRAILING_NOTE = re.compile(r"\s*\([^)]*\)\s*$")
_NUMBERED = re.compile(r"^\d+\.\s+")
_ACRONYM = re.compile(r"^[A-Z0-9]{2,}\b")


@dataclass(frozen=True)
class Reveal:
    """A field shown only when `controller` has one of `values`, and then required unless `required`
    is False."""

    controller: str
    values: tuple[str, ...]
    required: bool = True


# --- wording -------------------------------------------------------------------------------------


def field_noun(label: str) -> str:
    """The label as it reads inside a sentence: "Files per unit" -> "files per unit", "URN" -> "URN".

    A trailing note in brackets ("Hearing (optional)") and an item number ("3. Lines of enquiry") are
    dropped.
    """
    text = _NUMBERED.sub("", _TRAILING_NOTE.sub("", str(label)).strip()).strip()
    if not text or _ACRONYM.match(text):
        return text
    return text[0].lower() + text[1:]


def field_subject(label: str) -> str:
    """The label as the start of a sentence: "files per unit" -> "Files per unit"."""
    noun = field_noun(label)
    return noun[:1].upper() + noun[1:]


def _label(name: str, field: forms.Field) -> str:
    return str(field.label) if field.label else name.replace("_", " ").capitalize()


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _range_message(subject: str, low: Any, high: Any) -> dict[str, str]:
    if low is not None and high is not None:
        both = f"{subject} must be between {_number(low)} and {_number(high)}"
        return {"min_value": both, "max_value": both}
    messages = {}
    if low is not None:
        messages["min_value"] = f"{subject} must be {_number(low)} or more"
    if high is not None:
        messages["max_value"] = f"{subject} must be {_number(high)} or less"
    return messages


def govuk_messages_for(name: str, field: forms.Field) -> dict[str, str]:
    """The Design System's messages for one field, by Django error code."""
    label = _label(name, field)
    noun, subject = field_noun(label), field_subject(label)
    if isinstance(field.widget, forms.HiddenInput):
        return {code: UNCHECKABLE_FORM for code in ("required", "invalid", "invalid_choice", "min_value", "max_value")}
    verb = "Select" if isinstance(field, _SELECT_FIELDS) else "Enter"
    # A choice that is not offered comes from an out-of-date page or a tampered request.
    not_offered = f"Select one of the options offered for {noun}"
    messages = {
        "required": f"{verb} {noun}",
        "invalid_choice": not_offered,
        "invalid_list": not_offered,
        "invalid_pk_value": not_offered,
    }
    if isinstance(field, forms.IntegerField):
        messages["invalid"] = f"{subject} must be a whole number"
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        messages["invalid"] = f"{subject} must be a number"
    elif isinstance(field, forms.DateField):
        messages["invalid"] = f"{subject} must be a real date"
    elif isinstance(field, forms.JSONField):
        messages["invalid"] = f"Enter {noun} as valid JSON"
    elif isinstance(field, forms.FileField):
        messages.update(
            {
                "invalid": f"{subject} must be a file",
                "missing": f"Select {noun}",
                "empty": "The selected file is empty",
                "contradiction": f"Select {noun} or leave it empty, not both",
            }
        )
    else:
        messages["invalid"] = f"Enter {noun} in the correct format"
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        messages.update(_range_message(subject, getattr(field, "min_value", None), getattr(field, "max_value", None)))
    if isinstance(field, forms.DecimalField):
        places = field.decimal_places
        messages["max_decimal_places"] = f"{subject} must have {places} decimal places or fewer"
        messages["max_digits"] = f"{subject} must have {field.max_digits} digits or fewer"
        messages["max_whole_digits"] = f"{subject} is too large"
    max_length = getattr(field, "max_length", None)
    if max_length is not None:
        messages["max_length"] = f"{subject} must be {_number(max_length)} characters or less"
    min_length = getattr(field, "min_length", None)
    if min_length is not None:
        messages["min_length"] = f"{subject} must be {_number(min_length)} characters or more"
    # Some of these are %-formatted with the validator's parameters: keep a literal % literal.
    return {code: message.replace("%", "%%") for code, message in messages.items()}


def _django_defaults(field: forms.Field) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for cls in reversed(type(field).__mro__):
        defaults.update(getattr(cls, "default_error_messages", {}))
    return defaults


def apply_govuk_messages(form: forms.BaseForm) -> None:
    """Replace every Django default message on the form's fields; keep the ones the form set."""
    for name, field in form.fields.items():
        defaults = _django_defaults(field)
        for code, message in govuk_messages_for(name, field).items():
            current = field.error_messages.get(code)
            if current is None or current == defaults.get(code):
                field.error_messages[code] = message


# --- the form base ---------------------------------------------------------------------------------


class GovukFormMixin:
    """Mix into any Django form (before the form class) to give it the GOV.UK behaviour above."""

    #: dependent field -> the answer that reveals it (see the module docstring).
    REVEALS: ClassVar[dict[str, Reveal]] = {}

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    is_bound: bool

    def reveals(self) -> dict[str, Reveal]:
        """The conditional questions of this form (override for fields built at run time)."""
        return {name: reveal for name, reveal in self.REVEALS.items() if name in self.fields}

    def full_clean(self) -> None:
        # Fields added in __init__ exist by now, so every one gets its messages.
        apply_govuk_messages(self)  # type: ignore[arg-type]
        super().full_clean()  # type: ignore[misc]
        if self.is_bound and hasattr(self, "cleaned_data"):
            self._require_revealed()
            self._hidden_errors_to_top()

    def is_revealed(self, name: str) -> bool:
        reveal = self.reveals().get(name)
        if reveal is None:
            return True
        value = self.cleaned_data.get(reveal.controller)
        if reveal.values == CHECKED:
            return value is True
        return value in reveal.values

    def _require_revealed(self) -> None:
        form: Any = self
        for name, reveal in self.reveals().items():
            if not self.is_revealed(name):
                # The answer that shows this question was not chosen: whatever is in it is ignored.
                form.errors.pop(name, None)
                self.cleaned_data[name] = getattr(self.fields[name], "empty_value", None)
                continue
            if name in form.errors or not reveal.required:
                continue
            value = self.cleaned_data.get(name)
            if value in (None, "", [], ()) or (isinstance(value, str) and not value.strip()):
                form.add_error(name, self.fields[name].error_messages["required"])

    def _hidden_errors_to_top(self) -> None:
        """A hidden field is not the user's to fix: say so once at the top instead of linking to it."""
        form: Any = self
        hidden = [name for name in list(form.errors) if name in self.fields and self.fields[name].widget.is_hidden]
        if not hidden:
            return
        for name in hidden:
            form.errors.pop(name, None)
        if UNCHECKABLE_FORM not in form.non_field_errors():
            form.add_error(None, UNCHECKABLE_FORM)


class GovukForm(GovukFormMixin, forms.Form):
    """The base of every page form."""
