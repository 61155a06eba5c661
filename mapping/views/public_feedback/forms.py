"""Forms of the public's feedback and of the moderators' feedback queue."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mapping.models import FeedbackStatus, ProblemReport, ServiceSuggestion


class Honeypot(forms.Form):
    """A field people never see (hidden by public-feedback.css) but form-filling bots fill:
    a filled one means the post is thanked and thrown away."""

    leave_empty = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("leave_empty"))


class ProblemReportForm(Honeypot, forms.ModelForm):
    class Meta:
        model = ProblemReport
        fields = ["kind", "message"]
        widgets = {"kind": forms.RadioSelect, "message": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "message": _("Optional. Do not write names, phone numbers or other personal details.")
        }


class ServiceSuggestionForm(Honeypot, forms.ModelForm):
    class Meta:
        model = ServiceSuggestion
        fields = ["name", "organization_name", "description", "address", "url"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "description": _("Who it is for, what it offers, when it is open."),
            "url": _("Optional: the service's own web page."),
        }


class FeedbackDecisionForm(forms.Form):
    """A moderator's decision on one open report or suggestion."""

    MODELS = {"report": ProblemReport, "suggestion": ServiceSuggestion}

    kind = forms.ChoiceField(choices=[("report", "report"), ("suggestion", "suggestion")])
    item = forms.IntegerField(min_value=1)
    status = forms.ChoiceField(
        choices=[
            (FeedbackStatus.DONE, FeedbackStatus.DONE.label),
            (FeedbackStatus.DISMISSED, FeedbackStatus.DISMISSED.label),
        ]
    )

    def clean(self) -> dict:
        data = super().clean()
        if "kind" in data and "item" in data:
            model = self.MODELS[data["kind"]]
            try:
                data["record"] = model.objects.get(pk=data["item"])
            except model.DoesNotExist:
                raise forms.ValidationError(
                    _("This report or suggestion does not exist.")
                ) from None
        return data
