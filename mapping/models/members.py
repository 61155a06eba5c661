"""Who runs the directory: member organisations, their people, and the centre's roles.

An organisation becomes a *member* of the coordination centre by applying (a user creates it,
staff approve). Its people hold a :class:`Membership` with a role in it; an organisation admin
invites others by e-mail (:class:`Invitation`). Centre-wide roles — moderator, planner — are
Django groups (created by migration), so one account may combine them with memberships.
"""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mapping.models.organization import Organization

# The centre moderators' group (mapping.receivers creates it after migrate; the planners'
# group is the planning layer's, see layers.receivers).
MODERATORS_GROUP = "Centre moderators"

INVITATION_LIFETIME = datetime.timedelta(days=14)


class MemberRole(models.TextChoices):
    """A person's role inside one organisation."""

    EDITOR = "editor", _("Editor")  # keeps the organisation's records
    ADMIN = "admin", _("Administrator")  # also manages the organisation's members


class Membership(models.Model):
    """``user`` works for ``organization`` with ``role``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.EDITOR
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=MemberRole.values), name="membership_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organization} ({self.get_role_display()})"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class InvitationQuerySet(models.QuerySet):
    def open(self) -> "InvitationQuerySet":
        """Not yet accepted and not expired."""
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An organisation admin's invitation for ``email`` to join with ``role``. The token is
    the secret of the link sent by e-mail; it works once, until ``expires_at``."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(
        _("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.EDITOR
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"
