from __future__ import annotations

from django import forms

from casework.oversight.services import MAX_PER_UNIT
from casework.people.models import Unit


class SampleForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title of the sample")
    seed = forms.CharField(
        max_length=60,
        label="Seed",
        help_text="Drawing again with the same seed over the same cases gives the same files.",
    )
    per_unit = forms.IntegerField(min_value=1, max_value=MAX_PER_UNIT, initial=10, label="Files per unit")
    units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty to sample every unit.",
    )


class DisclosureForm(forms.Form):
    """Why an evidence pack or export is produced and who receives it (s.62 disclosure log)."""

    justification = forms.CharField(max_length=500, label="Why is this being disclosed?")
    recipient = forms.CharField(max_length=200, label="Who will receive it?")


class EvidencePackForm(DisclosureForm):
    fmt = forms.ChoiceField(
        choices=[("pdf", "PDF, for people"), ("zip", "ZIP of JSON audit events with inclusion proofs")],
        widget=forms.RadioSelect,
        label="Format",
        initial="pdf",
    )


class S62Form(forms.Form):
    person = forms.CharField(max_length=150, required=False, label="Person (username of who acted)")
    case_urn = forms.CharField(max_length=20, required=False, label="Case URN")
    date_from = forms.DateField(required=False, label="From (YYYY-MM-DD)")
    date_to = forms.DateField(required=False, label="To (YYYY-MM-DD)")
    fmt = forms.ChoiceField(choices=[("csv", "CSV"), ("json", "JSON lines")], widget=forms.RadioSelect, initial="csv")
    justification = forms.CharField(max_length=500, label="Why is this log being exported?")
