"""What the planners' analysis keeps: walking catchments on the street network, the share of
each census tract in the areas above it, and coverage results of the default scenarios; and
what the services vector tiles read (ServicePoint, ClusterCell).

Geometries of the analysis are in EPSG:2100 (metres), the SRID the analysis runs in; they
never leave for the map without ST_Transform to 4326. The tiles' points are in EPSG:3857,
the tile grid's SRID.
"""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
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


class ServicePoint(models.Model):
    """One service at one place as the services vector tiles read it, without joins: a row
    per service-at-location (same ``id``) of an active service (``Service.objects.active()``,
    demo records included and flagged) whose place has a point on the Web Mercator grid.

    Derived from the directory and kept true by layers.tiles.points (after each commit, for
    the services touched; ``manage.py refresh_tiles`` rebuilds it whole). ``geom`` is the
    place in EPSG:3857 (Web Mercator, the tile grid's SRID and unit); ``cell`` is the Morton
    key of its 32-px cell at zoom 16 (layers.tiles.pyramid), and the table is written in
    ``cell`` order so neighbours share pages. The code arrays hold what the tile filters
    test: ``category_codes`` every code a ``theme=`` filter finds the service by (its themes
    and subcategories, with their themes); ``districts`` and ``neighbourhoods`` the
    ``<city>/<number>`` and ``<city>/<slug>`` of *every* place of the service, as the
    directory's district rule is about the service, not the place. ``themes`` is the
    markers' ``themes`` property as shown (sorted theme codes, comma-separated)."""

    id = models.UUIDField(primary_key=True)
    service_id = models.UUIDField(db_index=True)
    geom = models.PointField(srid=3857)
    cell = models.BigIntegerField()
    themes = models.TextField(null=True)
    category_codes = ArrayField(models.TextField())
    language_codes = ArrayField(models.TextField())
    target_group_codes = ArrayField(models.TextField())
    organization_type = models.CharField(max_length=30, blank=True)
    is_free = models.BooleanField(null=True)
    is_demo = models.BooleanField()
    districts = ArrayField(models.TextField())
    neighbourhoods = ArrayField(models.TextField())

    class Meta:
        indexes = [
            # A tile below zoom 17 is one range of ``cell``: clustered from the index alone.
            models.Index(
                fields=["cell"], include=["geom", "id"], name="servicepoint_cell_covering"
            ),
        ]


class ClusterCell(models.Model):
    """The counted clusters of the services tiles below zoom 13, stored: per pyramid level
    (a zoom, layers.tiles.pyramid.LEVELS), per ``theme`` ('' for every service) and per
    32-px cell of that zoom (``cell``, its Morton key), how many ServicePoint rows fall in
    it and the sums of their EPSG:3857 coordinates (the cluster's centre is sum / count).
    Kept by adding and subtracting the rows of the services touched (layers.tiles.points)."""

    pk = models.CompositePrimaryKey("level", "theme", "cell")
    level = models.PositiveSmallIntegerField()
    theme = models.CharField(max_length=80, blank=True)
    cell = models.BigIntegerField()
    # No CHECK (count >= 0): INSERT … ON CONFLICT checks the proposed row, a negative delta,
    # before it finds the row to update.
    count = models.IntegerField()
    sum_x = models.FloatField()
    sum_y = models.FloatField()
