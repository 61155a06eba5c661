"""Where services are delivered (HSDS ``location``, ``service_at_location``)."""

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery, Value
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from geodata.models import District, Municipality, Neighbourhood
from geodata.spatial import (
    STORAGE_SRID,
    AsGeography,
    GeographyDistance,
    NearestFirst,
    WebMercator,
)
from mapping.models.base import HSDSObject, Provenance
from mapping.models.organization import Organization
from mapping.models.service import Service


def validate_wgs84_point(point: Point) -> None:
    """Reject coordinates outside WGS84 ranges with a message naming the bad number."""
    if point is None:
        return
    lon, lat = point.x, point.y
    if not -180 <= lon <= 180:
        raise ValidationError(
            _("Longitude %(lon)s is outside −180…180: is it a WGS84 (EPSG:4326) coordinate?"),
            code="longitude_range",
            params={"lon": lon},
        )
    if not -90 <= lat <= 90:
        raise ValidationError(
            _("Latitude %(lat)s is outside −90…90: were longitude and latitude swapped?"),
            code="latitude_range",
            params={"lat": lat},
        )


class LocationType(models.TextChoices):
    """HSDS 3.0 ``location.location_type``."""

    PHYSICAL = "physical", _("Physical place")
    POSTAL = "postal", _("Postal address only")
    VIRTUAL = "virtual", _("Online / phone")


def _first_covering(model: type) -> Subquery:
    return Subquery(model.objects.covering(OuterRef("point")).values("pk")[:1])


class LocationQuerySet(models.QuerySet):
    def assign_areas(self) -> int:
        """Spatial join, set-based: set municipality, district and neighbourhood of every
        location in the queryset from the polygons covering its point (one UPDATE, GiST index).
        Locations outside every polygon get NULL. Returns the number of rows updated."""
        return self.update(
            municipality=_first_covering(Municipality),
            district=_first_covering(District),
            neighbourhood=_first_covering(Neighbourhood),
        )


class Location(HSDSObject, Provenance):
    """A place where services are delivered. ``point`` is in EPSG:4326 (lon, lat); municipality,
    district and neighbourhood are filled from it by a spatial join on save and on import."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="locations",
    )
    location_type = models.CharField(
        _("type"), max_length=10, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    name = models.CharField(_("name"), max_length=300, blank=True)
    alternate_name = models.CharField(_("alternate name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    point = models.PointField(
        _("position"), srid=STORAGE_SRID, null=True, blank=True, validators=[validate_wgs84_point]
    )
    address_1 = models.CharField(_("street address"), max_length=300, blank=True)
    address_2 = models.CharField(_("address line 2"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country (ISO 3166-1)"), max_length=2, default="GR")
    accessibility = models.TextField(
        _("accessibility"), blank=True, help_text=_("Step-free access, lifts, toilets, signage…")
    )
    transportation = models.TextField(_("public transport"), blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )
    district = models.ForeignKey(
        District, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )

    objects = LocationQuerySet.as_manager()
    # Areas are derived from the point (spatial join), so history keeps only what people edit.
    history = HistoricalRecords(excluded_fields=["municipality", "district", "neighbourhood"])

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["source", "source_record_id"]),
            # Serves distance filters in metres (WithinMetres on geography).
            GistIndex(AsGeography("point"), name="location_point_geography_gist"),
            # Serves the nearest-first order (NearestFirst, KNN on Web Mercator).
            GistIndex(WebMercator("point"), name="location_point_mercator_gist"),
        ]

    def __str__(self) -> str:
        return self.name or self.address_1 or str(self.pk)

    def clean(self) -> None:
        if self.location_type == LocationType.VIRTUAL and self.point is not None:
            raise ValidationError(
                {"point": _("An online or phone location has no position on the map.")}
            )

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)
        type(self).objects.filter(pk=self.pk).assign_areas()
        self.refresh_from_db(fields=["municipality", "district", "neighbourhood"])


class ServiceAtLocationQuerySet(models.QuerySet):
    def nearest_to(self, point: Point) -> "ServiceAtLocationQuerySet":
        """Located rows nearest ``point`` (EPSG:4326) first, by the index-assisted KNN order
        (:class:`NearestFirst`), annotated with ``distance_m``, the spheroid distance in
        metres. Slice it (LIMIT) so the index stops early."""
        here = Value(point, output_field=models.PointField(srid=STORAGE_SRID))
        return (
            self.filter(location__point__isnull=False)
            .annotate(
                distance_m=GeographyDistance(AsGeography("location__point"), AsGeography(here))
            )
            .order_by(NearestFirst("location__point", here))
        )


class ServiceAtLocation(HSDSObject):
    """A service delivered at a location (HSDS ``service_at_location``)."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    description = models.TextField(_("description"), blank=True)

    objects = ServiceAtLocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("service at location")
        verbose_name_plural = _("services at locations")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "location"], name="service_once_per_location"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} @ {self.location}"
