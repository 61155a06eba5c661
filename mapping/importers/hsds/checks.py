"""Checks of single HSDS values that need more than a type: coordinates, GeoJSON extents,
weekly schedules, phone numbers. Each returns what it read or raises FieldProblem naming the
HSDS field; messages of our own validators are reused so they read as in the admin."""

import json
import re

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from geodata.spatial import STORAGE_SRID
from mapping.models import Weekday
from mapping.models.location import validate_wgs84_point


class FieldProblem(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def point(latitude: float | None, longitude: float | None) -> Point | None:
    """The EPSG:4326 point of a location, or None when it has no coordinates."""
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        missing = "latitude" if latitude is None else "longitude"
        raise FieldProblem(missing, _("Give both latitude and longitude, or neither."))
    position = Point(longitude, latitude, srid=STORAGE_SRID)
    try:
        validate_wgs84_point(position)
    except ValidationError as exc:
        field = "longitude" if exc.code == "longitude_range" else "latitude"
        raise FieldProblem(field, exc.messages[0]) from None
    return position


def extent(text: str, extent_type: str) -> MultiPolygon:
    """A service area's extent: GeoJSON (Polygon, MultiPolygon or a Feature of one) in WGS84,
    as a MultiPolygon in EPSG:4326 (a Polygon becomes a one-part MultiPolygon)."""
    if extent_type.strip().lower() not in ("", "geojson"):
        raise FieldProblem(
            "extent_type",
            _("Extent type “%(type)s”: Hartis reads GeoJSON extents only.") % {"type": extent_type},
        )
    try:
        geometry = json.loads(text)
    except ValueError:
        raise FieldProblem("extent", _("The extent is not GeoJSON (not even JSON).")) from None
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        raise FieldProblem(
            "extent",
            _("The extent is a %(type)s; a service area must be a Polygon or MultiPolygon.")
            % {"type": kind or _("JSON value that is not a GeoJSON geometry")},
        )
    try:
        parts = [coordinates] if kind == "Polygon" else list(coordinates)
        area = MultiPolygon([_polygon(rings) for rings in parts], srid=STORAGE_SRID)
    except (TypeError, ValueError, IndexError):
        raise FieldProblem(
            "extent", _("The extent's coordinates are not GeoJSON polygon rings.")
        ) from None
    if area.empty:
        raise FieldProblem("extent", _("The extent is empty."))
    west, south, east, north = area.extent
    for lon, lat in ((west, south), (east, north)):
        try:
            validate_wgs84_point(Point(lon, lat))
        except ValidationError as exc:
            raise FieldProblem("extent", exc.messages[0]) from None
    if not area.valid:
        raise FieldProblem(
            "extent",
            _("The extent is not a valid polygon: %(reason)s") % {"reason": area.valid_reason},
        )
    return area


def _polygon(rings: list) -> Polygon:
    checked = []
    for ring in rings:
        points = [(float(x), float(y)) for x, y, *_rest in ring]
        if len(points) < 4 or points[0] != points[-1]:
            raise ValueError("not a closed ring")
        checked.append(points)
    if not checked:
        raise ValueError("no rings")
    return Polygon(*checked)


RRULE_DAYS = {Weekday(day).rrule_code: Weekday(day) for day in Weekday.values}


def weekdays(
    freq: str, byday: str, interval: int | None, count: int | None, other_rules: dict[str, str]
) -> tuple[list[Weekday], list[FieldProblem]]:
    """The weekdays of a WEEKLY schedule, and a problem for each part of the rule our weekly
    hours cannot say."""
    problems = []
    if freq.strip().upper() != "WEEKLY":
        problems.append(
            FieldProblem(
                "freq",
                _(
                    "Frequency “%(freq)s”: Hartis keeps weekly opening hours only (freq WEEKLY "
                    "with byday, opens_at and closes_at)."
                )
                % {"freq": freq},
            )
        )
    if interval not in (None, 1):
        problems.append(
            FieldProblem(
                "interval",
                _("Every %(n)s weeks cannot be kept: only every week.") % {"n": interval},
            )
        )
    if count is not None:
        problems.append(
            FieldProblem("count", _("A schedule limited to a number of times cannot be kept."))
        )
    problems += [
        FieldProblem(
            name,
            _("%(rule)s cannot be kept: weekly hours hold only days of the week.") % {"rule": name},
        )
        for name, value in other_rules.items()
        if value.strip()
    ]
    days: list[Weekday] = []
    if not byday.strip():
        problems.append(FieldProblem("byday", _("Give the days of the week (byday, e.g. MO,TU).")))
    for code in (part.strip().upper() for part in byday.split(",") if byday.strip()):
        if code not in RRULE_DAYS:
            problems.append(
                FieldProblem(
                    "byday",
                    _("“%(day)s” is not a day of the week (MO, TU, WE, TH, FR, SA, SU).")
                    % {"day": code},
                )
            )
        elif RRULE_DAYS[code] not in days:
            days.append(RRULE_DAYS[code])
    return days, problems


_PHONE = re.compile(r"\+?[0-9 ().\-/]+")


def phone_number(number: str) -> str:
    """A phone number as published: digits, spaces, + ( ) . - / only."""
    if not _PHONE.fullmatch(number.strip()) or not any(c.isdigit() for c in number):
        stray = sorted({c for c in number if not (c.isdigit() or c in " +().-/")})
        if stray:
            message = _("“%(number)s” is not a phone number: stray characters %(chars)s.")
        else:
            message = _("“%(number)s” is not a phone number.")
        raise FieldProblem(
            "number", message % {"number": number, "chars": " ".join(f"“{c}”" for c in stray)}
        )
    return number.strip()
