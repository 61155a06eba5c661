"""Members' pages: the "My organisation" dashboard, applying, the people of an organisation,
its profile, invitations and the moderators' decisions on applications.

Each view parses its form, calls one action of :mod:`mapping.actions.members` or one read of
:mod:`.dashboard`, and renders or redirects; the actions check who may do what (403).
"""

import uuid
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mapping import access
from mapping.actions import members as actions
from mapping.actions.members import MembershipError
from mapping.conf import hartis_options
from mapping.models import Invitation, Membership, Organization
from mapping.views.members import dashboard as reads
from mapping.views.members.forms import (
    CancelInvitationForm,
    DecisionForm,
    InvitationForm,
    MembershipForm,
    OrganizationForm,
    RoleForm,
)


def _home(organization: Organization) -> str:
    return f"{reverse('members-home')}?{urlencode({'organization': organization.pk})}"


def _parse_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "HEAD"])
def members_home(request: HttpRequest) -> HttpResponse:
    """The dashboard of one organisation the user keeps (``?organization=``, default the
    first); moderators may open any member organisation."""
    user = request.user
    mine = list(reads.organizations_of_member(user))
    moderator = access.is_moderator(user)
    chosen_pk = _parse_uuid(request.GET.get("organization"))
    organization = None
    if chosen_pk is not None:
        organization = get_object_or_404(Organization, pk=chosen_pk)
        access.require(
            access.can_edit_for(user, organization),
            _("You are not a member of this organisation."),
        )
    elif mine:
        organization = mine[0]
    context = {
        "mine": mine,
        "is_moderator": moderator,
        "chooser": Organization.objects.members().only("id", "name") if moderator else None,
        "board": reads.dashboard(organization) if organization else None,
        "can_manage": organization is not None and access.can_manage_members(user, organization),
        "stale_after_days": hartis_options().stale_after_days,
        "pending_applications": Organization.objects.applications().count() if moderator else 0,
    }
    return render(request, "mapping/members/home.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organization_apply(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = actions.apply_for_membership(by=request.user, **form.cleaned_data)
        except MembershipError as error:
            form.add_error("name", str(error))
        else:
            messages.success(
                request,
                _("Thank you: the centre's moderators will review the application of %(name)s.")
                % {"name": organization.name},
            )
            return redirect(_home(organization))
    return render(request, "mapping/members/apply.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organization_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    access.require(
        access.can_manage_members(request.user, organization),
        _("Only the organisation's admins change its profile."),
    )
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        # The form validated a copy; the action writes it with the author in the history.
        changes = {name: form.cleaned_data[name] for name in actions.PROFILE_FIELDS}
        actions.update_profile(by=request.user, organization=organization, changes=changes)
        messages.success(request, _("The profile was saved."))
        return redirect(_home(organization))
    return render(
        request, "mapping/members/edit.html", {"form": form, "organization": organization}
    )


# The forms of the people page, by the ``intent`` their submit button sends.
PEOPLE_FORMS = {
    "invite": InvitationForm,
    "role": RoleForm,
    "remove": MembershipForm,
    "cancel": CancelInvitationForm,
}


def _people_action(
    request: HttpRequest, organization: Organization, intent: str, form: forms.Form
) -> str:
    """Run the people page's action for a valid ``form``; returns the success message."""
    by, data = request.user, form.cleaned_data
    if intent == "invite":
        actions.invite(
            by=by,
            organization=organization,
            email=data["email"],
            role=data["role"],
        )
        return _("An invitation was sent to %(email)s.") % {"email": data["email"]}
    if intent == "cancel":
        invitation = get_object_or_404(Invitation, pk=data["invitation"], organization=organization)
        actions.cancel_invitation(by=by, invitation=invitation)
        return _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=data["membership"], organization=organization
    )
    if intent == "role":
        membership = actions.change_role(by=by, membership=membership, role=data["role"])
        return _("%(email)s is now %(role)s.") % {
            "email": membership.user.email,
            "role": membership.get_role_display(),
        }
    actions.remove_member(by=by, membership=membership)
    return _("%(email)s was removed from %(organization)s.") % {
        "email": membership.user.email,
        "organization": organization.name,
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organization_people(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Members and open invitations; admins (and moderators) invite, change roles, remove;
    editors read."""
    organization = get_object_or_404(Organization, pk=pk)
    access.require(
        access.can_edit_for(request.user, organization),
        _("You are not a member of this organisation."),
    )
    invite_form, row_errors, status = InvitationForm(prefix="invite"), [], 200
    if request.method == "POST":
        intent = request.POST.get("intent", "")
        if intent not in PEOPLE_FORMS:
            raise Http404("Unknown action.")
        prefix = "invite" if intent == "invite" else None
        form = PEOPLE_FORMS[intent](request.POST, prefix=prefix)
        if form.is_valid():
            try:
                message = _people_action(request, organization, intent, form)
            except MembershipError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, message)
                if not access.can_edit_for(request.user, organization):
                    return redirect("members-home")  # the user left the organisation
                return redirect("organization-people", pk=organization.pk)
        status = 400
        if intent == "invite":
            invite_form = form
        else:
            # The rows' forms have no visible fields: their errors go above the list.
            row_errors = form.non_field_errors() or [_("The request was not valid.")]
    context = {
        "organization": organization,
        "can_manage": access.can_manage_members(request.user, organization),
        "memberships": Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__email"),
        "invitations": organization.invitations.open().order_by("email"),
        "invite_form": invite_form,
        "row_errors": row_errors,
        "role_choices": RoleForm.base_fields["role"].choices,
    }
    return render(request, "mapping/members/people.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Shows the invitation; a signed-in user accepts it with a POST (a link preview that
    follows the e-mailed link must not join anyone)."""
    invitation = (
        Invitation.objects.select_related("organization", "invited_by").filter(token=token).first()
    )
    if invitation is None:
        raise Http404("No such invitation.")
    error = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            membership = actions.accept_invitation(by=request.user, token=token)
        except MembershipError as refusal:
            error = str(refusal)
        else:
            messages.success(
                request,
                _("Welcome to %(organization)s.") % {"organization": membership.organization.name},
            )
            return redirect(_home(membership.organization))
    context = {
        "invitation": invitation,
        "error": error,
        "expired": invitation.expires_at <= timezone.now(),
        "used": invitation.accepted_at is not None,
    }
    return render(request, "mapping/members/invitation.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organization_applications(request: HttpRequest) -> HttpResponse:
    """Pending applications, oldest first; moderators approve or decline each."""
    access.require(
        access.is_moderator(request.user), _("Only the centre's moderators see applications.")
    )
    failed: dict[str, DecisionForm] = {}
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            organization = get_object_or_404(Organization, pk=form.cleaned_data["organization"])
            approve = form.cleaned_data["decision"] == "approve"
            try:
                actions.decide_application(
                    by=request.user,
                    organization=organization,
                    approve=approve,
                    comment=form.cleaned_data["comment"],
                )
            except MembershipError as error:
                messages.error(request, str(error))
            else:
                done = _("%(name)s is now a member.") if approve else _("%(name)s was declined.")
                messages.success(request, done % {"name": organization.name})
            return redirect("organization-applications")
        failed[str(request.POST.get("organization", ""))] = form
    applications = (
        Organization.objects.applications()
        .prefetch_related("memberships__user")
        .order_by("created_at")
    )
    rows = [
        {
            "organization": organization,
            "form": failed.get(str(organization.pk))
            or DecisionForm(initial={"organization": organization.pk}),
        }
        for organization in applications
    ]
    status = 400 if failed else 200
    return render(request, "mapping/members/applications.html", {"rows": rows}, status=status)
