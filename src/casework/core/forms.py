"""The helpers every page form uses to speak GOV.UK (sign-in forms live in casework.identity.forms)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any, ClassVar, cast

from django import forms
from django.core import signing
from django.db.models import Model
from django.forms.utils import from_current_timezone
from django.utils import timezone

from casework.core import clock
from casework.core.errors import CaseworkError, EditConflict
from casework.core.govuk_forms import UNCHECKABLE_FORM, GovukForm, field_noun, field_subject


def apply_service_error(form: forms.BaseForm, error: CaseworkError) -> None:
    """Show a service's CaseworkError on the form: field errors on their fields, the rest at the top.

    Services name fields by attribute (`lead_force_id`); forms by field (`lead_force`).
    """
    placed = False
    for name, messages in error.field_errors.items():
        target = name if name in form.fields else name.removesuffix("_id")
        for message in messages:
            if target in form.fields:
                form.add_error(target, message)
                placed = True
            else:
                form.add_error(None, message)
    if not placed and not isinstance(error, EditConflict):
        form.add_error(None, error.message)


# --- GOV.UK date input ----------------------------------------------------------------------------
# Three text boxes (day, month, year) in a fieldset, as the GOV.UK Design System asks: browsers'
# own date pickers are hard to use with assistive technology and for dates long past.

DATE_HINT = "For example, 27 3 2026"
DATE_PARTS = ("day", "month", "year")
_TIME_PATTERN = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year boxes; the value is posted as `<name>_day`, `<name>_month`, `<name>_year`."""

    kind = "date"
    parts: tuple[str, ...] = DATE_PARTS

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({part: forms.TextInput() for part in self.parts}, attrs)

    def decompress(self, value: Any) -> list[str]:
        if isinstance(value, dt.datetime):
            local = clock.local(value) if timezone.is_aware(value) else value
            return [str(local.day), str(local.month), str(local.year), f"{local:%H:%M}"]
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [""] * len(self.parts)


class GovukDateTimeWidget(GovukDateWidget):
    """The date boxes plus a 24-hour time box (`<name>_time`)."""

    kind = "datetime"
    parts = (*DATE_PARTS, "time")


class GovukDateField(forms.Field):
    """A date entered in three boxes, with the GOV.UK error messages.

    `invalid_parts` names the boxes to highlight when the value is wrong.
    """

    widget = GovukDateWidget

    def __init__(self, *args: Any, hint: str = DATE_HINT, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", hint)
        super().__init__(*args, **kwargs)
        self.invalid_parts: tuple[str, ...] = ()

    def _name(self) -> str:
        return field_subject(str(self.label or "The date"))

    def _parts(self, value: Any) -> dict[str, str]:
        values = list(value) if isinstance(value, list | tuple) else []
        names = cast(GovukDateWidget, self.widget).parts
        values += [""] * (len(names) - len(values))
        return {name: (values[index] or "").strip() for index, name in enumerate(names)}

    def _fail(self, message: str, parts: tuple[str, ...], code: str = "invalid") -> forms.ValidationError:
        self.invalid_parts = parts
        return forms.ValidationError(message, code=code)

    def _required_message(self) -> str:
        explicit = self.error_messages.get("required")
        if explicit and explicit != forms.Field.default_error_messages["required"]:
            return str(explicit)
        return f"Enter {field_noun(str(self.label or 'the date'))}"

    def _date(self, parts: dict[str, str]) -> dt.date | None:
        given = {name: parts[name] for name in DATE_PARTS}
        if not any(given.values()):
            if self.required:
                raise self._fail(self._required_message(), DATE_PARTS, code="required")
            return None
        missing = tuple(name for name in DATE_PARTS if not given[name])
        if missing:
            raise self._fail(f"{self._name()} must include a {' and '.join(missing)}", missing, code="incomplete")
        if not all(value.isdigit() for value in given.values()):
            bad = tuple(name for name in DATE_PARTS if not given[name].isdigit())
            raise self._fail(f"{self._name()} must be a real date", bad)
        if len(given["year"]) != 4:
            raise self._fail("Year must include 4 numbers", ("year",))
        try:
            return dt.date(int(given["year"]), int(given["month"]), int(given["day"]))
        except ValueError:
            raise self._fail(f"{self._name()} must be a real date", DATE_PARTS) from None

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        return self._date(self._parts(value))

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != initial
        except forms.ValidationError:
            return True


class GovukDateTimeField(GovukDateField):
    """A date in three boxes and a time as HH:MM, read as UK time and stored as an aware instant."""

    widget = GovukDateTimeWidget

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("hint", f"{DATE_HINT}. Time in 24-hour UK time, for example 10:00")
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:  # type: ignore[override]
        if isinstance(value, dt.datetime):
            return value
        parts = self._parts(value)
        day = self._date(parts)
        if day is None and not parts["time"]:
            return None
        if not parts["time"]:
            raise self._fail(f"{self._name()} must include a time", ("time",), code="incomplete")
        match = _TIME_PATTERN.match(parts["time"])
        if match is None:
            raise self._fail("Enter the time in 24-hour format, for example 14:30", ("time",))
        if day is None:  # a time without any date
            raise self._fail(f"{self._name()} must include a day and month and year", DATE_PARTS, "incomplete")
        naive = dt.datetime.combine(day, dt.time(int(match.group(1)), int(match.group(2))))
        try:
            return from_current_timezone(naive)
        except forms.ValidationError:
            # The hour that does not exist when the clocks go forward.
            raise self._fail(f"{self._name()} is not a real UK time (the clocks change then)", ("time",)) from None


# --- editing a record someone else may be editing too ----------------------------------------------
# An edit form carries the record's version (optimistic locking) and, signed so they cannot be
# forged, the values the user saw when the form was opened. On a stale save the service compares
# those with the saved row: the differences are exactly what the other person changed.

LOADED_VALUES_SALT = "casework.forms.loaded-values"


def _signable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)  # Decimal and the like: their exact text round-trips through to_python


def sign_loaded_values(instance: Any, attnames: Iterable[str]) -> str:
    """The record's current values for `attnames`, signed and bound to this record."""
    values = {attname: _signable(getattr(instance, attname)) for attname in attnames}
    return signing.dumps(
        {"record": [instance._meta.label_lower, instance.pk], "values": values}, salt=LOADED_VALUES_SALT
    )


def read_loaded_values(token: str, instance: Any) -> dict[str, Any]:
    """The values a user loaded, as model values. Raises signing.BadSignature if forged or for another record."""
    payload = signing.loads(token, salt=LOADED_VALUES_SALT)
    if payload.get("record") != [instance._meta.label_lower, instance.pk]:
        raise signing.BadSignature("Loaded values belong to another record.")
    opts = instance._meta
    return {attname: opts.get_field(attname).to_python(value) for attname, value in payload["values"].items()}


class RecordEditForm(GovukForm):
    """Base for forms that change an existing versioned record.

    Subclasses list their editable fields; `FIELD_ATTNAMES` maps a form field to the model
    attribute when the two differ (a foreign key `lead_force` is saved as `lead_force_id`).
    """

    FIELD_ATTNAMES: ClassVar[dict[str, str]] = {}
    NOT_RECORD_FIELDS: ClassVar[frozenset[str]] = frozenset({"version", "loaded"})

    version = forms.IntegerField(widget=forms.HiddenInput)
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            signing.loads(data.get("loaded") or "", salt=LOADED_VALUES_SALT)
            intact = "version" not in self.errors
        except signing.BadSignature:
            intact = False
        if not intact:
            # The hidden fields are not the user's to fix: say so once, at the top of the page.
            for hidden in ("version", "loaded"):
                self.errors.pop(hidden, None)
                data.pop(hidden, None)
            self.add_error(None, UNCHECKABLE_FORM)
        return data

    def attname(self, name: str) -> str:
        return self.FIELD_ATTNAMES.get(name, name)

    def record_fields(self) -> list[str]:
        return [name for name in self.fields if name not in self.NOT_RECORD_FIELDS]

    def record_attnames(self) -> list[str]:
        return [self.attname(name) for name in self.record_fields()]

    def field_for(self, attname: str) -> str | None:
        return next((name for name in self.record_fields() if self.attname(name) == attname), None)

    def initial_for(self, instance: Any) -> dict[str, Any]:
        """Initial data for editing `instance`: its values, version and the signed loaded values."""
        initial = {name: getattr(instance, self.attname(name)) for name in self.record_fields()}
        initial["version"] = instance.version
        initial["loaded"] = sign_loaded_values(instance, self.record_attnames())
        return initial

    def service_values(self) -> dict[str, Any]:
        """Cleaned data named as the service expects (foreign keys by id)."""
        values: dict[str, Any] = {}
        for name in self.record_fields():
            value = self.cleaned_data.get(name)
            values[self.attname(name)] = value.pk if isinstance(value, Model) else value
        return values

    def restore_loaded_state(self, instance: Any) -> None:
        """Make `instance` remember the values the user loaded (not those read for this request), so
        a stale save reports what someone else changed since then. Call only after is_valid()."""
        loaded = read_loaded_values(self.cleaned_data["loaded"], instance)
        instance._loaded_values = {**getattr(instance, "_loaded_values", {}), **loaded}

    def label_for(self, attname: str) -> str:
        name = self.field_for(attname) or attname
        field = self.fields.get(name)
        return str(field.label) if field is not None and field.label else name.replace("_", " ").capitalize()

    def display_value(self, attname: str, value: Any) -> str:
        """A saved value as a person reads it: names for people, labels for choices, UK dates."""
        if value in (None, ""):
            return "(empty)"
        field = self.fields.get(self.field_for(attname) or attname)
        if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
            obj = field.queryset.model._default_manager.filter(pk=value).first()
            return field.label_from_instance(obj) if obj is not None else str(value)
        if isinstance(field, forms.ChoiceField):
            return str(dict(field.choices).get(value, value))  # type: ignore[arg-type]
        if isinstance(value, dt.datetime):
            local = clock.local(value)
            return f"{local.day} {local:%B %Y} at {local:%H:%M}"
        if isinstance(value, dt.date):
            return f"{value.day} {value:%B %Y}"
        return str(value)

    def conflict_rows(self, changed: dict[str, list[Any]], instance: Any) -> list[dict[str, str]]:
        """What someone else changed since the user loaded the form, from EditConflict.changed
        ({attname: [loaded, now]} in audit-plain form), as label, readable value and field link."""
        rows = []
        for attname, (_loaded, now) in changed.items():
            name = self.field_for(attname)
            value = instance._meta.get_field(attname).to_python(now)
            rows.append(
                {
                    "label": self.label_for(attname),
                    "current": self.display_value(attname, value),
                    "href": f"#{anchor_for(self[name])}" if name else "",
                }
            )
        return rows


def anchor_for(field: forms.BoundField) -> str:
    """The id an error message should link to: the input itself, the first wrong box of a date, or
    the first radio or checkbox of a group (their inputs are `<id>_0`, `<id>_1`, ...)."""
    widget = field.field.widget
    if isinstance(widget, GovukDateWidget):
        invalid = getattr(field.field, "invalid_parts", ()) or widget.parts
        return f"{field.auto_id}_{invalid[0]}"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{field.auto_id}_0"
    return str(field.auto_id)
