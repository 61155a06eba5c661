"""What the planners' analysis keeps: walking catchments on the street network, the share of
each census tract in the areas above it, and coverage results of the default scenarios.

Geometries here are in EPSG:2100 (metres), the SRID the analysis runs in; they never leave
for the map without ST_Transform to 4326.
"""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from geodata.models import CensusTract, District, Municipality, Neighbourhood
from geodata.spatial import METRIC_SRID
from mapping.models import Location


class CatchmentMethod(models.TextChoices):
    """How a catchment was made. Precedence: drawn, then network, then distance."""

    DRAWN = "drawn", _("drawn by an editor")
    NETWORK = "network", _("walking on the street network")
    DISTANCE = "distance", _("straight-line distance × detour factor")


class CoverageLevel(models.TextChoices):
    TRACT = "tract", _("census tract")
    NEIGHBOURHOOD = "neighbourhood", _("neighbourhood")
    DISTRICT = "district", _("municipal district")
    CITY = "city", _("city")


class NetworkCatchment(models.Model):
    """The area within ``minutes`` of walking from a place along the loaded street network
    (pgRouting isochrone, EPSG:2100). Rebuilt when streets are loaded or the place moves."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="network_catchments"
    )
    minutes = models.PositiveSmallIntegerField(_("minutes of walking"))
    geom = models.MultiPolygonField(_("catchment"), srid=METRIC_SRID)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("network catchment")
        verbose_name_plural = _("network catchments")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "minutes"], name="network_catchment_once_per_minutes"
            )
        ]


class TractShare(models.Model):
    """The share (0–1) of a census tract's residents counted in a neighbourhood or district:
    the tract's area inside it over the tract's area inside any area of that level, so each
    tract's population is shared out whole at every level (area-weighted interpolation)."""

    tract = models.ForeignKey(CensusTract, on_delete=models.CASCADE, related_name="shares")
    level = models.CharField(max_length=20, choices=CoverageLevel.choices)
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    share = models.FloatField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(share__gt=0, share__lte=1.000001), name="tract_share_0_1"
            ),
        ]
        indexes = [models.Index(fields=["level", "tract"])]


class CoverageResult(models.Model):
    """Coverage figures of one area for one scenario (a theme and walk time, optionally
    narrowed by language and target group). Kept for the default scenarios; others are
    computed when asked. Populations are 2011 census estimates (persons)."""

    scenario = models.CharField(max_length=200, db_index=True)
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=20, choices=CoverageLevel.choices)
    tract = models.ForeignKey(
        CensusTract, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    figures = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["scenario", "municipality", "level"])]
        permissions = [
            (
                "view_detailed_coverage",
                _("Can see tract-level and migrant-weighted coverage figures"),
            )
        ]
