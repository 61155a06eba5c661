"""Languages a service is offered in (ISO 639 codes)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mapping.models.base import HSDSObject


class Language(HSDSObject):
    """A language identified by its ISO 639-1 code (``el``) or ISO 639-3 where no 639-1 exists
    (``prs`` Dari, ``gss`` Greek Sign Language). ``name`` is translated; ``native_name`` is the
    language's name for itself."""

    code = models.CharField(_("ISO 639 code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    native_name = models.CharField(_("native name"), max_length=100, blank=True)
    is_rtl = models.BooleanField(_("written right to left"), default=False)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
