"""Taxonomies: the six ACCMR themes with subcategories, and target groups (HSDS taxonomy)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mapping.models.base import HSDSObject

THEMES_TAXONOMY = "hartis-themes"
TARGET_GROUPS_TAXONOMY = "hartis-target-groups"


class Taxonomy(HSDSObject):
    """A controlled vocabulary (HSDS ``taxonomy``); ``slug`` is our stable handle."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    uri = models.URLField(_("link (URI)"), blank=True)
    version = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaxonomyTermQuerySet(models.QuerySet):
    def themes(self) -> "TaxonomyTermQuerySet":
        """Top-level themes (housing, health, legal, education, employment, gender)."""
        return self.filter(taxonomy__slug=THEMES_TAXONOMY, parent__isnull=True)

    def categories(self) -> "TaxonomyTermQuerySet":
        """Themes and their subcategories."""
        return self.filter(taxonomy__slug=THEMES_TAXONOMY)

    def target_groups(self) -> "TaxonomyTermQuerySet":
        return self.filter(taxonomy__slug=TARGET_GROUPS_TAXONOMY)


class TaxonomyTerm(HSDSObject):
    """A term (HSDS ``taxonomy_term``). ``code`` is a stable slug such as ``health`` or
    ``health-mental``; ``parent`` links a subcategory to its theme. Names are translated."""

    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="terms")
    code = models.SlugField(_("code"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    term_uri = models.URLField(_("link (URI)"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = TaxonomyTermQuerySet.as_manager()

    class Meta:
        verbose_name = _("taxonomy term")
        verbose_name_plural = _("taxonomy terms")
        ordering = ["taxonomy", "parent__position", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["taxonomy", "code"], name="term_code_unique_in_taxonomy"
            )
        ]

    def __str__(self) -> str:
        return f"{self.parent} › {self.name}" if self.parent_id else self.name

    @property
    def theme(self) -> "TaxonomyTerm":
        """The top-level theme of this term (itself when it is one)."""
        return self.parent if self.parent_id else self
