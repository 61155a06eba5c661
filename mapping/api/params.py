"""Query parameters of the search API: parsed and validated, every refusal with a reason."""

import functools

from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

from geodata.spatial import STORAGE_SRID
from mapping.models import OrganizationType
from mapping.search import SearchCriteria
from mapping.vocabulary import known_codes

MAX_LIMIT = 100


@extend_schema_field(OpenApiTypes.STR)
class NearField(serializers.Field):
    """``lon,lat`` in WGS84 degrees → a Point in EPSG:4326."""

    def to_internal_value(self, data: str) -> Point:
        try:
            lon, lat = (float(part) for part in str(data).split(","))
        except ValueError:
            lon = lat = float("nan")
        if lon != lon or lat != lat:  # unparsable, or NaN
            raise serializers.ValidationError(
                _("Give near as 'lon,lat' in WGS84 degrees, e.g. near=23.7275,37.9838.")
            )
        if not -180 <= lon <= 180:
            raise serializers.ValidationError(
                _("The longitude %(lon)s in near is outside −180…180.") % {"lon": lon}
            )
        if not -90 <= lat <= 90:
            raise serializers.ValidationError(
                _("The latitude %(lat)s in near is outside −90…90: is it 'lon,lat'?") % {"lat": lat}
            )
        return Point(lon, lat, srid=STORAGE_SRID)

    def to_representation(self, value: Point) -> str:
        return f"{value.x},{value.y}"


@extend_schema_field(OpenApiTypes.STR)
class BBoxField(serializers.Field):
    """``west,south,east,north`` in WGS84 degrees → a tuple of four floats."""

    def to_internal_value(self, data: str) -> tuple[float, float, float, float]:
        try:
            west, south, east, north = (float(part) for part in str(data).split(","))
        except ValueError:
            raise serializers.ValidationError(
                _(
                    "Give bbox as 'west,south,east,north' in WGS84 degrees, e.g. "
                    "bbox=23.72,37.97,23.74,37.99."
                )
            ) from None
        if not (-180 <= west <= 180 and -180 <= east <= 180):
            raise serializers.ValidationError(_("A longitude in bbox is outside −180…180."))
        if not (-90 <= south <= 90 and -90 <= north <= 90):
            raise serializers.ValidationError(
                _("A latitude in bbox is outside −90…90: is it 'west,south,east,north'?")
            )
        if west >= east or south >= north:
            raise serializers.ValidationError(
                _("In bbox, west must be less than east and south less than north.")
            )
        return (west, south, east, north)

    def to_representation(self, value: tuple[float, float, float, float]) -> str:
        return ",".join(map(str, value))


@functools.cache
def _shared_fields(params: type[serializers.Serializer], language: str | None) -> BindingDict:
    """The fields of ``params`` for readers of ``language``, bound once per process to an
    instance holding no data.

    DRF deep-copies every declared field for each serializer instance, so that one instance
    may change its own fields: about 0.6 ms a request for the 15 of the search API. Parameter
    sets never change their fields, and a field holds nothing of the request it validates (the
    value passes through its arguments), so one bound copy serves every request, with two
    cautions: it is bound to an empty instance (a request's data stays with that request), and
    there is one copy per language, because a length or min/max validator formats its message
    once (DRF's ``lazy_format``), in the language active the first time it fails."""
    return serializers.Serializer.fields.func(params())


def check_known(values: list[str], kind: object, value: str) -> str:
    """``value`` if it is one of ``values``, else a ValidationError listing them."""
    if value not in values:
        raise serializers.ValidationError(
            _("Unknown %(kind)s %(value)r; use one of: %(known)s.")
            % {"kind": kind, "value": value, "known": ", ".join(values)}
        )
    return value


class StrictParams(serializers.Serializer):
    """Query parameters where an unknown or repeated parameter is an error, not ignored.

    The fields are bound once per class and language, and shared by the instances
    (:func:`_shared_fields`): no subclass may change its fields per instance."""

    @property
    def fields(self) -> BindingDict:
        return _shared_fields(type(self), get_language())

    def to_internal_value(self, data: object) -> dict:
        """Field errors plus one error per unknown or repeated parameter, all at once."""
        problems: dict[str, list[str]] = {}
        for name in data:
            if name not in self.fields:
                problems[name] = [
                    _("Unknown parameter; allowed: %(allowed)s.")
                    % {"allowed": ", ".join(self.fields)}
                ]
            elif hasattr(data, "getlist") and len(data.getlist(name)) > 1:
                problems[name] = [_("Give this parameter once.")]
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**error.detail, **problems}) from error
        if problems:
            raise serializers.ValidationError(problems)
        return values


class ServiceSearchParams(StrictParams):
    """``GET /api/services/`` parameters. Unknown parameters are refused."""

    near = NearField(required=False, help_text="lon,lat (WGS84): order by distance from here.")
    bbox = BBoxField(
        required=False, help_text="west,south,east,north (WGS84): only places inside this box."
    )
    theme = serializers.SlugField(required=False, help_text="Theme or subcategory code.")
    language = serializers.CharField(required=False, max_length=8, help_text="ISO 639 code.")
    target_group = serializers.SlugField(required=False)
    organization_type = serializers.ChoiceField(choices=OrganizationType.choices, required=False)
    district = serializers.IntegerField(required=False, min_value=1, max_value=99)
    neighbourhood = serializers.SlugField(required=False)
    open_now = serializers.BooleanField(required=False, default=False)
    free = serializers.BooleanField(required=False, default=False)
    remote = serializers.BooleanField(required=False, allow_null=True, default=None)
    demo = serializers.BooleanField(
        required=False, default=True, help_text="Include demo records (default true)."
    )
    q = serializers.CharField(required=False, max_length=200, allow_blank=True)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=20)
    page = serializers.IntegerField(required=False, min_value=1, max_value=10_000, default=1)

    def validate_theme(self, value: str) -> str:
        return check_known(known_codes()["theme"], _("theme"), value)

    def validate_language(self, value: str) -> str:
        return check_known(known_codes()["language"], _("language"), value)

    def validate_target_group(self, value: str) -> str:
        return check_known(known_codes()["target_group"], _("target group"), value)

    def validate_district(self, value: int) -> int:
        return int(check_known(known_codes()["district"], _("district"), str(value)))

    def validate_neighbourhood(self, value: str) -> str:
        return check_known(known_codes()["neighbourhood"], _("neighbourhood"), value)

    def criteria(self) -> SearchCriteria:
        data = self.validated_data
        # Hours are kept to the minute, so "now" to the minute answers the same; it also lets
        # a compiled search be reused within the minute (mapping.search).
        this_minute = timezone.now().replace(second=0, microsecond=0)
        return SearchCriteria(
            near=data.get("near"),
            bbox=data.get("bbox"),
            theme=data.get("theme", ""),
            language=data.get("language", ""),
            target_group=data.get("target_group", ""),
            organization_type=data.get("organization_type", ""),
            district=data.get("district"),
            neighbourhood=data.get("neighbourhood", ""),
            open_at=this_minute if data["open_now"] else None,
            free=data["free"],
            remote=data["remote"],
            include_demo=data["demo"],
            text=data.get("q", "").strip(),
            # Subclasses without paging (tiles) drop these fields: the criteria's defaults.
            limit=data.get("limit", SearchCriteria.limit),
            page=data.get("page", SearchCriteria.page),
        )
