"""Organisations that provide services (HSDS ``organization``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mapping.models.base import HSDSObject, Provenance


class OrganizationType(models.TextChoices):
    MUNICIPAL = "municipal", _("Municipal service")
    PUBLIC_BODY = "public_body", _("National public body")  # state hospitals, schools, universities
    LOCAL_NGO = "local_ngo", _("Local NGO")
    INTERNATIONAL_NGO = "international_ngo", _("International NGO")
    UN_AGENCY = "un_agency", _("UN agency")
    COMMUNITY_GROUP = "community_group", _("Community / informal group")
    PRIVATE_SECTOR = "private_sector", _("Private sector")


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

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["source", "source_record_id"])]

    def __str__(self) -> str:
        return self.name
