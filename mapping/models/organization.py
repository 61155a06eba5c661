"""Organisations that provide services (HSDS ``organization``)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mapping.models.base import HSDSObject, Provenance


class OrganizationType(models.TextChoices):
    MUNICIPAL = "municipal", _("Municipal service")
    PUBLIC_BODY = "public_body", _("National public body")  # state hospitals, schools, universities
    LOCAL_NGO = "local_ngo", _("Local NGO")
    INTERNATIONAL_NGO = "international_ngo", _("International NGO")
    UN_AGENCY = "un_agency", _("UN agency")
    COMMUNITY_GROUP = "community_group", _("Community / informal group")
    PRIVATE_SECTOR = "private_sector", _("Private sector")


class MembershipStatus(models.TextChoices):
    """Standing with the coordination centre. Empty: a record from a source, not a member."""

    NONE = "", _("Not a member")
    PENDING = "pending", _("Applied, waiting for approval")
    APPROVED = "approved", _("Member")
    DECLINED = "declined", _("Application declined")


def member_q(prefix: str = "") -> Q:
    """The organisation (or, with ``prefix`` like ``"organization__"``, a related one) is an
    approved member of the coordination centre."""
    return Q(**{f"{prefix}membership_status": MembershipStatus.APPROVED})


class OrganizationQuerySet(models.QuerySet):
    def members(self) -> "OrganizationQuerySet":
        """Approved member organisations (the public member list, profiles)."""
        return self.filter(member_q())

    def applications(self) -> "OrganizationQuerySet":
        """Organisations that applied and wait for a moderator's decision."""
        return self.filter(membership_status=MembershipStatus.PENDING)


class Organization(HSDSObject, Provenance):
    """An organisation. ``organization_type`` stays empty when the source does not say."""

    name = models.CharField(_("name"), max_length=300)
    alternate_name = models.CharField(_("alternate name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    organization_type = models.CharField(
        _("organisation type"), max_length=30, choices=OrganizationType.choices, blank=True
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    logo = models.URLField(_("logo URL"), blank=True)
    membership_status = models.CharField(
        _("membership"),
        max_length=10,
        choices=MembershipStatus.choices,
        blank=True,
        default=MembershipStatus.NONE,
        db_default=MembershipStatus.NONE,
        db_index=True,
    )
    member_since = models.DateField(_("member since"), null=True, blank=True)

    objects = OrganizationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["source", "source_record_id"])]

    def __str__(self) -> str:
        return self.name
