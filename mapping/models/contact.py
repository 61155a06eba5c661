"""Phones and named contacts (HSDS ``phone``, ``contact``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mapping.models.base import HSDSObject
from mapping.models.language import Language
from mapping.models.location import Location, ServiceAtLocation
from mapping.models.organization import Organization
from mapping.models.service import Service


class PhoneType(models.TextChoices):
    """HSDS 3.0 ``phone.type``."""

    VOICE = "voice", _("Voice")
    TEXT = "text", _("Text message")
    CELL = "cell", _("Mobile")
    FAX = "fax", _("Fax")
    VIDEO = "video", _("Video")
    PAGER = "pager", _("Pager")
    TEXTPHONE = "textphone", _("Textphone")


class Contact(HSDSObject):
    """A named person or desk to contact."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation, on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name or self.department or self.email or str(self.pk)


class Phone(HSDSObject):
    """A phone number, as published (HSDS keeps it as text: "+30 210 …", "1535")."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    number = models.CharField(_("number"), max_length=50)
    extension = models.CharField(_("extension"), max_length=20, blank=True)
    type = models.CharField(_("type"), max_length=10, choices=PhoneType.choices, default="voice")
    description = models.CharField(_("description"), max_length=300, blank=True)
    languages = models.ManyToManyField(Language, blank=True, verbose_name=_("languages answered"))

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")

    def __str__(self) -> str:
        return self.number
