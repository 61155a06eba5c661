"""The toolkit: documents members share (guides, studies, information material).

Files live under MEDIA_ROOT/toolkit/ (outside the static root, never served by URL as they
are) and are handed out by a view with safe headers; the sniffed content type is stored."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mapping.models.base import HSDSObject
from mapping.models.language import Language
from mapping.models.organization import Organization
from mapping.models.taxonomy import TaxonomyTerm


class DocumentKind(models.TextChoices):
    GUIDE = "guide", _("Guide")
    STUDY = "study", _("Study")
    INFORMATION = "information", _("Information material")
    OTHER = "other", _("Other")


class DocumentQuerySet(models.QuerySet):
    def matching(
        self,
        *,
        language: Language | None = None,
        theme: TaxonomyTerm | None = None,
        kind: str | None = None,
        organization: Organization | None = None,
    ) -> "DocumentQuerySet":
        """The toolkit's filters; an empty value leaves that filter off."""
        rules = Q()
        if language is not None:
            rules &= Q(language=language)
        if theme is not None:
            rules &= Q(theme=theme)
        if kind:
            rules &= Q(kind=kind)
        if organization is not None:
            rules &= Q(organization=organization)
        return self.filter(rules)


class Document(HSDSObject):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    language = models.ForeignKey(
        Language, on_delete=models.PROTECT, related_name="documents", verbose_name=_("language")
    )
    theme = models.ForeignKey(
        TaxonomyTerm,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        limit_choices_to={"taxonomy__slug": "hartis-themes", "parent__isnull": True},
        verbose_name=_("theme"),
    )
    file = models.FileField(_("file"), upload_to="toolkit/%Y/%m/")
    content_type = models.CharField(max_length=100, editable=False)
    size_bytes = models.PositiveBigIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    history = HistoricalRecords()

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
