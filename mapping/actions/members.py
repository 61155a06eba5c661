"""Write actions of membership: applying to the centre, the moderators' decision, invitations
and the people of an organisation.

Like :mod:`mapping.actions.publishing`, every action takes the acting user as ``by``, checks
the rules of :mod:`mapping.access` (PermissionDenied otherwise), runs in one transaction and
sends its e-mails on commit. A refusal the user can fix (a duplicate invitation, the last
admin) is a :class:`MembershipError` with a translated message for the form.

Links in e-mails are absolute, from HARTIS['SITE_URL'] (mapping.conf), as in every e-mail
the site sends.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mapping import access
from mapping.conf import hartis_options
from mapping.models import (
    MODERATORS_GROUP,
    Invitation,
    MemberRole,
    Membership,
    MembershipStatus,
    Organization,
    OrganizationType,
)
from mapping.models.members import INVITATION_LIFETIME

# The organisation fields its admins keep on the profile page (the rest comes from sources).
PROFILE_FIELDS = ("name", "description", "organization_type", "website", "email")


class MembershipError(ValueError):
    """A request the rules refuse for a reason the user can act on (shown on the form)."""


def _mail_on_commit(*, template: str, context: dict[str, Any], to: list[str]) -> None:
    """Send ``mapping/members/email/<template>_{subject,message}.txt`` to ``to`` after commit,
    in the language active now (the acting user's: the recipient's is not known)."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    language = translation.get_language()

    def send() -> None:
        with translation.override(language):
            subject = render_to_string(f"mapping/members/email/{template}_subject.txt", context)
            body = render_to_string(f"mapping/members/email/{template}_message.txt", context)
        send_mail(" ".join(subject.split()), body, None, recipients)

    transaction.on_commit(send)


def _link(name: str, *args: object) -> str:
    return hartis_options().site_url + reverse(name, args=args)


def _admin_emails(organization: Organization) -> list[str]:
    return list(
        Membership.objects.filter(organization=organization, role=MemberRole.ADMIN)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _moderator_emails() -> list[str]:
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return list(users.filter(groups__name=MODERATORS_GROUP).values_list("email", flat=True))


def _save_with_history(organization: Organization, by: Any, reason: str) -> None:
    """Save with ``by`` as the history row's author (the middleware only knows page requests)."""
    organization._history_user = by if getattr(by, "is_authenticated", False) else None
    organization._change_reason = reason
    organization.save()


@transaction.atomic
def apply_for_membership(
    *,
    by: Any,
    name: str,
    organization_type: str,
    description: str = "",
    website: str = "",
    email: str = "",
) -> Organization:
    """A new organisation applying to the centre, with the applicant as its admin; the
    moderators are told. (Claiming an organisation already in the directory is left out.)"""
    access.require(by.is_authenticated and by.is_active, _("Sign in to apply."))
    name = " ".join(name.split())
    if not name:
        raise MembershipError(_("Give the organisation's name."))
    if organization_type not in OrganizationType.values:
        raise MembershipError(_("Choose the kind of organisation."))
    applied = Q(membership_status__in=[MembershipStatus.PENDING, MembershipStatus.APPROVED])
    if Organization.objects.filter(applied, name__iexact=name).exists():
        raise MembershipError(
            _("%(name)s is already a member or has applied: ask its admins to invite you.")
            % {"name": name}
        )
    organization = Organization(
        name=name,
        organization_type=organization_type,
        description=description.strip(),
        website=website.strip(),
        email=email.strip(),
        membership_status=MembershipStatus.PENDING,
    )
    _save_with_history(organization, by, "applied for membership")
    Membership.objects.create(user=by, organization=organization, role=MemberRole.ADMIN)
    _mail_on_commit(
        template="application_received",
        context={
            "organization": organization,
            "applicant": by,
            "link": _link("organization-applications"),
        },
        to=_moderator_emails(),
    )
    return organization


@transaction.atomic
def decide_application(
    *, by: Any, organization: Organization, approve: bool, comment: str = ""
) -> Organization:
    """A moderator approves (member from today) or declines a pending application; the
    organisation's admins are e-mailed the decision and the comment."""
    access.require(access.is_moderator(by), _("Only the centre's moderators decide applications."))
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.membership_status != MembershipStatus.PENDING:
        raise MembershipError(_("This application has already been decided."))
    if approve:
        organization.membership_status = MembershipStatus.APPROVED
        organization.member_since = timezone.localdate()
    else:
        organization.membership_status = MembershipStatus.DECLINED
    _save_with_history(organization, by, "application approved" if approve else "declined")
    _mail_on_commit(
        template="application_decided",
        context={
            "organization": organization,
            "approved": approve,
            "comment": comment.strip(),
            "link": _link("members-home"),
        },
        to=_admin_emails(organization),
    )
    return organization


@transaction.atomic
def update_profile(*, by: Any, organization: Organization, changes: dict[str, str]) -> Organization:
    """Change the organisation's own profile (``PROFILE_FIELDS`` only); one history row."""
    access.require(
        access.can_manage_members(by, organization),
        _("Only the organisation's admins change its profile."),
    )
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    for name, value in changes.items():
        setattr(organization, name, value)
    _save_with_history(organization, by, "profile edited")
    return organization


@transaction.atomic
def invite(*, by: Any, organization: Organization, email: str, role: str) -> Invitation:
    """Invite ``email`` to join ``organization`` with ``role``; the link is e-mailed. Refused
    while an invitation to that address is open or when its owner is already a member."""
    access.require(
        access.can_manage_members(by, organization),
        _("Only the organisation's admins invite people."),
    )
    email = email.strip()
    if role not in MemberRole.values:
        raise MembershipError(_("Choose a role."))
    # Lock the organisation so two admins inviting the same address at once get one invitation.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if organization.invitations.open().filter(email__iexact=email).exists():
        raise MembershipError(_("%(email)s already has an open invitation.") % {"email": email})
    members = Membership.objects.filter(organization=organization)
    if members.filter(
        Q(user__email__iexact=email) | Q(user__emailaddress__email__iexact=email)
    ).exists():
        raise MembershipError(
            _("%(email)s is already a member of %(organization)s.")
            % {"email": email, "organization": organization.name}
        )
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        invited_by=by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    _mail_on_commit(
        template="invitation",
        context={
            "invitation": invitation,
            "organization": organization,
            "inviter": by,
            "role": invitation.get_role_display(),
            "link": _link("invitation-accept", invitation.token),
        },
        to=[email],
    )
    return invitation


@transaction.atomic
def cancel_invitation(*, by: Any, invitation: Invitation) -> None:
    """Withdraw an invitation that was not accepted (its link stops working)."""
    access.require(
        access.can_manage_members(by, invitation.organization),
        _("Only the organisation's admins manage invitations."),
    )
    if invitation.accepted_at is not None:
        raise MembershipError(_("This invitation has already been accepted."))
    invitation.delete()


@transaction.atomic
def accept_invitation(*, by: Any, token: str) -> Membership:
    """The signed-in user joins the invitation's organisation. Their verified e-mail must be
    the invited address (case-insensitive); an invitation works once and until it expires."""
    access.require(by.is_authenticated and by.is_active, _("Sign in to accept the invitation."))
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(token=token)
    ).first()
    if invitation is None:
        raise MembershipError(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise MembershipError(_("This invitation has already been used."))
    if invitation.expires_at <= timezone.now():
        raise MembershipError(
            _("This invitation has expired. Ask the admins of %(organization)s for a new one.")
            % {"organization": invitation.organization.name}
        )
    if not by.emailaddress_set.filter(email__iexact=invitation.email, verified=True).exists():
        raise MembershipError(
            _(
                "This invitation is for %(email)s. Sign in with that address, or add and "
                "verify it in your account, then open the link again."
            )
            % {"email": invitation.email}
        )
    if Membership.objects.filter(user=by, organization=invitation.organization).exists():
        raise MembershipError(
            _("You are already a member of %(organization)s.")
            % {"organization": invitation.organization.name}
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return Membership.objects.create(
        user=by, organization=invitation.organization, role=invitation.role
    )


def _lock_admins(organization: Organization) -> list[int]:
    """Ids of the organisation's admin memberships, locked: concurrent demotions or removals
    wait, so two of them cannot both leave the organisation without an admin."""
    admins = Membership.objects.select_for_update().filter(
        organization=organization, role=MemberRole.ADMIN
    )
    return list(admins.values_list("pk", flat=True))


def _refuse_last_admin(membership: Membership) -> None:
    admins = _lock_admins(membership.organization)
    if admins == [membership.pk]:
        raise MembershipError(
            _("%(organization)s needs at least one admin: make someone else admin first.")
            % {"organization": membership.organization.name}
        )


@transaction.atomic
def change_role(*, by: Any, membership: Membership, role: str) -> Membership:
    """Give a member another role; the last admin is never demoted."""
    access.require(
        access.can_manage_members(by, membership.organization),
        _("Only the organisation's admins change roles."),
    )
    if role not in MemberRole.values:
        raise MembershipError(_("Choose a role."))
    membership = Membership.objects.select_related("organization").get(pk=membership.pk)
    if membership.role == MemberRole.ADMIN and role != MemberRole.ADMIN:
        _refuse_last_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(*, by: Any, membership: Membership) -> None:
    """Remove someone from an organisation (admins; anyone may leave). Never the last admin."""
    access.require(
        access.can_manage_members(by, membership.organization) or membership.user_id == by.pk,
        _("Only the organisation's admins remove people."),
    )
    membership = Membership.objects.select_related("organization").get(pk=membership.pk)
    if membership.role == MemberRole.ADMIN:
        _refuse_last_admin(membership)
    membership.delete()


__all__ = [
    "PROFILE_FIELDS",
    "MembershipError",
    "accept_invitation",
    "apply_for_membership",
    "cancel_invitation",
    "change_role",
    "decide_application",
    "invite",
    "remove_member",
    "update_profile",
]
