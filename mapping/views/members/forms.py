"""Forms of the members' pages: they parse and validate input; the actions decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mapping.actions.members import PROFILE_FIELDS
from mapping.models import MemberRole, Organization, OrganizationType


class OrganizationForm(forms.ModelForm):
    """An organisation's own profile: the application form and the admins' edit form."""

    class Meta:
        model = Organization
        fields = PROFILE_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Members say what kind of organisation they are (sources may leave it empty).
        self.fields["organization_type"].required = True
        self.fields["organization_type"].choices = [("", "—"), *OrganizationType.choices]
        self.fields["email"].help_text = _("The organisation's public contact address.")


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.EDITOR)


class RoleForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)


class MembershipForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)


class CancelInvitationForm(forms.Form):
    invitation = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    organization = forms.UUIDField(widget=forms.HiddenInput)
    # Sent by the page's two submit buttons (name="decision").
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    comment = forms.CharField(
        label=_("Comment for the organisation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("decision") == "decline" and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Say why the application is declined."))
        return cleaned
