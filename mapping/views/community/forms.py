"""Forms of the support board and the toolkit: they parse and show field errors; the rules
(expiry window, upload checks, who may act) live in mapping.actions.board and .toolkit."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from geodata.models import District
from mapping.conf import hartis_options
from mapping.models import (
    CallCategory,
    CallKind,
    Document,
    DocumentKind,
    Language,
    OpenCall,
    Organization,
    TaxonomyTerm,
)

ANY = [("", _("Any"))]


def _city_districts() -> "District.objects":
    return District.objects.filter(municipality__slug=hartis_options().city_slug).defer("geom")


class BoardFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Need or offer"), choices=ANY + CallKind.choices, required=False
    )
    category = forms.ChoiceField(
        label=_("What"), choices=ANY + CallCategory.choices, required=False
    )
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=TaxonomyTerm.objects.themes(),
        to_field_name="code",
        required=False,
        empty_label=_("Any"),
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.none(),
        to_field_name="number",
        required=False,
        empty_label=_("Any"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _city_districts()

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is left off and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: self.cleaned_data.get(name) or None for name in self.fields}


class CallForm(forms.ModelForm):
    # The version the form was loaded with (optimistic locking, see mapping.actions.board).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = OpenCall
        fields = ["kind", "category", "title", "description", "theme", "district", "expires_on"]
        widgets = {
            "kind": forms.RadioSelect,
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {"expires_on": _("The call leaves the board after this day.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _city_districts()
        self.fields["district"].help_text = _("Where the need or offer is, if it matters.")
        if self.instance.pk is not None:
            self.fields["version"].initial = self.instance.version


class ResponseForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Respond for"), queryset=Organization.objects.none(), empty_label=None
    )
    message = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=_(
            "Sent by e-mail to the people of the organisation that posted the call; "
            "their replies come to your e-mail address."
        ),
    )

    def __init__(self, *args: Any, organizations: "Organization.objects", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ToolkitFilterForm(forms.Form):
    language = forms.ModelChoiceField(
        label=_("Language"),
        queryset=Language.objects.filter(documents__isnull=False).distinct(),
        to_field_name="code",
        required=False,
        empty_label=_("Any"),
    )
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=TaxonomyTerm.objects.themes(),
        to_field_name="code",
        required=False,
        empty_label=_("Any"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ANY + DocumentKind.choices, required=False)
    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.filter(documents__isnull=False).distinct(),
        required=False,
        empty_label=_("Any"),
    )

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is left off and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: self.cleaned_data.get(name) or None for name in self.fields}


class DocumentForm(forms.ModelForm):
    # Not the model's field: the upload is checked and stored by mapping.actions.toolkit.
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, ODT, DOCX, PNG, JPEG or WebP."),
        # ``accept`` only helps the file picker; the bytes are what is checked.
        widget=forms.FileInput(attrs={"accept": ".pdf,.odt,.docx,.png,.jpg,.jpeg,.webp"}),
    )

    class Meta:
        model = Document
        fields = ["title", "description", "kind", "language", "theme"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:  # (a new Document has its UUID already)
            self.fields["file"].required = False
            self.fields["file"].help_text = _(
                "Leave empty to keep the current file. PDF, ODT, DOCX, PNG, JPEG or WebP."
            )
