"""Administrative geography and population of the cities Hartis covers.

A :class:`Municipality` owns its districts, neighbourhoods and census tracts, so another city
loads the same way. Every geometry is a MultiPolygon in EPSG:4326 (see :mod:`geodata.spatial`).
"""

from django.contrib.gis.db import models
from django.contrib.gis.geos import GEOSGeometry
from django.db.models.expressions import BaseExpression
from django.utils.translation import gettext_lazy as _

from geodata.spatial import STORAGE_SRID


class AreaQuerySet(models.QuerySet):
    """Reads shared by every kind of area."""

    def covering(self, point: GEOSGeometry | BaseExpression) -> "AreaQuerySet":
        """Areas whose polygon covers ``point`` (a 4326 geometry, or an ``OuterRef`` to one).

        ``ST_Covers`` keeps a point on a shared border in both neighbours; callers that want one
        area take the first by a stable order. Uses the GiST index on ``geom``.
        """
        return self.filter(geom__covers=point).order_by("pk")


class Area(models.Model):
    """Fields common to every area: a name and a MultiPolygon in EPSG:4326."""

    name = models.CharField(_("name (Greek)"), max_length=200)
    name_en = models.CharField(_("name (Latin script)"), max_length=200, blank=True)
    geom = models.MultiPolygonField(_("boundary"), srid=STORAGE_SRID)

    objects = AreaQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class Municipality(Area):
    """A municipality (Δήμος), e.g. Athens (Kallikratis code 9186). Boundary in EPSG:4326."""

    code = models.CharField(_("official code"), max_length=20, unique=True)
    slug = models.SlugField(unique=True)
    population_2011 = models.PositiveIntegerField(
        _("population, census 2011"), null=True, blank=True
    )
    population_2021 = models.PositiveIntegerField(
        _("population, census 2021"), null=True, blank=True
    )
    source_checksum = models.CharField(
        _("checksum of the loaded files"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("SHA-256 of the source files last loaded; unchanged files are not reloaded."),
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]


class District(Area):
    """A municipal district (Δημοτική Κοινότητα), numbered within its municipality. EPSG:4326."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="districts"
    )
    number = models.PositiveSmallIntegerField(_("number"))

    class Meta:
        verbose_name = _("municipal district")
        verbose_name_plural = _("municipal districts")
        ordering = ["municipality", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "number"], name="district_number_unique_in_city"
            )
        ]


class Neighbourhood(Area):
    """A named neighbourhood (e.g. Κυψέλη). ``district`` is the one it overlaps most. EPSG:4326."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="neighbourhoods"
    )
    slug = models.SlugField(max_length=200)
    district = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="neighbourhoods",
        help_text=_("The district this neighbourhood overlaps most."),
    )

    class Meta:
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "slug"], name="neighbourhood_slug_unique_in_city"
            )
        ]


class CensusTract(Area):
    """A 2011 census tract with population estimates. Boundary in EPSG:4326.

    ``population_2011`` is an estimate (density × area, see the data README) in persons;
    ``migrant_share`` is the 0–1 share of residents born in "developing" countries (ELSTAT).
    ``district`` and ``neighbourhood`` contain the tract's point-on-surface.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="tracts")
    code = models.CharField(_("tract code"), max_length=20)
    district = models.ForeignKey(
        District, on_delete=models.SET_NULL, null=True, blank=True, related_name="tracts"
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.SET_NULL, null=True, blank=True, related_name="tracts"
    )
    population_2011 = models.FloatField(_("population 2011 (estimate)"))
    migrant_share = models.FloatField(_("share of migrants (0–1)"), null=True, blank=True)
    elderly_share = models.FloatField(_("share aged 65+ (0–1)"), null=True, blank=True)
    area_m2 = models.FloatField(_("area (m²)"))

    class Meta:
        verbose_name = _("census tract")
        verbose_name_plural = _("census tracts")
        ordering = ["municipality", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="tract_code_unique_in_city"
            ),
            models.CheckConstraint(
                condition=models.Q(population_2011__gte=0), name="tract_population_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(migrant_share__gte=0, migrant_share__lte=1)
                | models.Q(migrant_share__isnull=True),
                name="tract_migrant_share_is_a_share",
            ),
        ]

    def __str__(self) -> str:
        return self.code
