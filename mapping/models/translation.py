"""Translations of a service's own text, kept beside the original.

The service row holds its text in the language it was written in (``Service.language``);
each :class:`ServiceTranslation` adds that text in one more language. Readers get a field in
the visitor's language, else Greek, else English, else the original (see mapping.localize).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mapping.models.base import HSDSObject
from mapping.models.service import Service

TRANSLATED_FIELDS = (
    "name",
    "description",
    "application_process",
    "eligibility_description",
    "fees_description",
)


class ServiceTranslation(HSDSObject):
    """A service's text in ``language``; empty fields fall back (they are not "translated as
    empty")."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    application_process = models.TextField(_("how to access"), blank=True)
    eligibility_description = models.TextField(_("eligibility"), blank=True)
    fees_description = models.TextField(_("fees"), blank=True)

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "language"], name="service_translation_once_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} [{self.language}]"
