"""Query parameters of the OGC API: parsed, validated, refused with a reason.

Every refusal is an :class:`ApiError`, answered as an OGC exception ``{"code",
"description"}``. As Core asks, a parameter the resource does not know is refused (400), and
so is a parameter given twice; a ``limit`` above 10,000 is not an error but read as 10,000.
"""

import datetime
import math
import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils.translation import gettext as _

from layers.ogc.collections import Collection
from layers.ogc.crs import CRS84, SUPPORTED, Crs
from mapping.vocabulary import known_codes

DEFAULT_LIMIT, MAX_LIMIT = 10, 10_000
FORMATS = ("json", "html")
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
# RFC 3339 date-time (a time zone is required), or a full date.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OPEN = ("", "..")


class ApiError(Exception):
    """A request the API refuses: HTTP ``status``, OGC exception ``code``, a reason."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description

    def body(self) -> dict[str, str]:
        return {"code": self.code, "description": self.description}


def invalid(description: str) -> ApiError:
    return ApiError(400, "InvalidParameterValue", description)


def not_found(description: str) -> ApiError:
    return ApiError(404, "NotFound", description)


def check_names(query: QueryDict, allowed: tuple[str, ...]) -> None:
    """Refuse a parameter not in ``allowed`` or given more than once."""
    for name in query:
        if name not in allowed:
            raise invalid(
                _("Unknown parameter %(name)r; this resource takes: %(allowed)s.")
                % {"name": name, "allowed": ", ".join(allowed)}
            )
        if len(query.getlist(name)) > 1:
            raise invalid(_("Give the parameter %(name)r once.") % {"name": name})


def output_format(query: QueryDict) -> str | None:
    """``f``: json or html, or None when not given (then the Accept header decides)."""
    value = query.get("f")
    if value is None:
        return None
    if value not in FORMATS:
        raise invalid(_("Unknown format %(value)r; use f=json or f=html.") % {"value": value})
    return value


def _crs(query: QueryDict, name: str) -> Crs:
    value = query.get(name)
    if value is None:
        return CRS84
    if value not in SUPPORTED:
        raise invalid(
            _("Unsupported %(name)s %(value)r; use one of: %(known)s.")
            % {"name": name, "value": value, "known": ", ".join(SUPPORTED)}
        )
    return SUPPORTED[value]


MAX_INTEGER = 2**63 - 1  # PostgreSQL's bigint, the most LIMIT and OFFSET take


def _integer(
    query: QueryDict, name: str, default: int, minimum: int, maximum: float = MAX_INTEGER
) -> int:
    value = query.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if not minimum <= number <= maximum:
        raise invalid(
            _("%(name)s must be a whole number of at least %(minimum)s, not %(value)r.")
            % {"name": name, "minimum": minimum, "value": value}
        )
    return number


def _bbox(value: str, crs: Crs) -> tuple[float, float, float, float]:
    parts = value.split(",")
    if len(parts) == 6:
        raise invalid(_("bbox: these collections have no heights; give four numbers."))
    try:
        numbers = tuple(float(part) for part in parts)
    except ValueError:
        numbers = ()
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise invalid(
            _("bbox must be four numbers separated by commas, e.g. %(example)s.")
            % {"example": "23.72,37.97,23.74,37.99"}
        )
    if crs.lat_first:
        south, west, north, east = numbers
    else:
        west, south, east, north = numbers
    if south > north:
        raise invalid(_("bbox: the southern edge is north of the northern edge."))
    if crs.geographic:
        if not (-90 <= south <= 90 and -90 <= north <= 90):
            raise invalid(
                _("bbox: a latitude is outside −90…90; the order in %(crs)s is %(order)s.")
                % {"crs": crs.uri, "order": "lat,lon" if crs.lat_first else "lon,lat"}
            )
        if not (-180 <= west <= 180 and -180 <= east <= 180):
            raise invalid(_("bbox: a longitude is outside −180…180."))
    elif west > east:
        raise invalid(_("bbox: the western edge is east of the eastern edge."))
    return numbers


def _moment(text: str, *, end: bool) -> datetime.datetime:
    """An RFC 3339 date-time; a date alone is that whole day in UTC (from its first moment
    when it starts an interval, to its last when it ends one)."""
    if _DATE_TIME.match(text):
        return datetime.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    if _DATE.match(text):
        day = datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)
        return day + datetime.timedelta(days=1, microseconds=-1) if end else day
    raise ValueError(text)


def _datetime(value: str) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """``datetime``: an instant or an interval ``start/end`` with ``..`` for an open end;
    returned as inclusive bounds (None: open)."""
    parts = value.split("/")
    try:
        if len(parts) == 1:
            if value in OPEN:
                raise ValueError(value)
            if _DATE.match(value):
                return _moment(value, end=False), _moment(value, end=True)
            instant = _moment(value, end=False)
            return instant, instant
        if len(parts) != 2:
            raise ValueError(value)
        start, end = (
            None if part in OPEN else _moment(part, end=index == 1)
            for index, part in enumerate(parts)
        )
    except ValueError:
        raise invalid(
            _(
                "datetime must be an RFC 3339 date-time or an interval with '..' for an open "
                "end, e.g. %(example)s; not %(value)r."
            )
            % {"example": "2024-01-01T00:00:00Z/..", "value": value}
        ) from None
    if start is not None and end is not None and start > end:
        raise invalid(_("datetime: the interval ends before it starts."))
    return start, end


@dataclass(frozen=True)
class ItemsParams:
    """A validated ``/items`` request. ``bbox`` is in ``bbox_crs`` axis order; ``interval``
    holds inclusive bounds (None: open); ``crs`` is the CRS of the output."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: Crs = CRS84
    interval: tuple[datetime.datetime | None, datetime.datetime | None] | None = None
    crs: Crs = CRS84
    filters: dict[str, str] = field(default_factory=dict)
    given: dict[str, str] = field(default_factory=dict)  # as the client wrote them, for links

    def query_string(self, **changes: object) -> str:
        """The request's parameters with ``changes`` (paging, format), for links."""
        values = {**self.given, "limit": str(self.limit), "offset": str(self.offset)}
        values.update({name: str(value) for name, value in changes.items()})
        if values.get("offset") == "0":
            del values["offset"]
        return urlencode(values, safe=",:/")

    def envelope(self) -> RawSQL:
        """The bbox as a 4326 polygon expression (see Crs.envelope)."""
        return self.bbox_crs.envelope(self.bbox)

    def points_in_bbox(self) -> Q:
        """A ``Q`` on ``location__point`` (the places of services) keeping those in the bbox.
        A lon/lat box is a rectangle in storage, and a point's bounding box is the point, so
        the index operator ``&&`` alone decides (no ST_Intersects test on every row); a box
        in metres bends once transformed, and one across the antimeridian is two boxes."""
        west, east = (
            (self.bbox[1], self.bbox[3])
            if self.bbox_crs.lat_first
            else (
                self.bbox[0],
                self.bbox[2],
            )
        )
        if self.bbox_crs.geographic and west <= east:
            return Q(location__point__bboverlaps=self.envelope())
        return Q(location__point__intersects=self.envelope())

    def with_crs(self, crs: Crs) -> "ItemsParams":
        return replace(self, crs=crs)


ITEMS_PARAMETERS = ("f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime")
ITEM_PARAMETERS = ("f", "crs")


def items_params(query: QueryDict, collection: Collection) -> ItemsParams:
    """Validate the query of ``/collections/<id>/items``."""
    check_names(query, ITEMS_PARAMETERS + collection.filters)
    output_format(query)
    # Core: a limit above the maximum is no error; the maximum is used instead.
    limit = min(_integer(query, "limit", DEFAULT_LIMIT, 1, math.inf), MAX_LIMIT)
    offset = _integer(query, "offset", 0, 0)
    bbox_crs = _crs(query, "bbox-crs")
    bbox = _bbox(query["bbox"], bbox_crs) if "bbox" in query else None
    period = _datetime(query["datetime"]) if "datetime" in query else None
    if period is not None and not collection.temporal:
        period = None  # validated, then ignored: the collection has no time
    filters = {}
    for name in collection.filters:
        value = query.get(name)
        if value is None:
            continue
        known = known_codes()[name]
        if value not in known:
            raise invalid(
                _("Unknown %(name)s %(value)r; use one of: %(known)s.")
                % {"name": name, "value": value, "known": ", ".join(known)}
            )
        filters[name] = value
    given = {name: query[name] for name in query if name not in ("limit", "offset", "f")}
    return ItemsParams(
        limit=limit,
        offset=offset,
        bbox=bbox,
        bbox_crs=bbox_crs,
        interval=period,
        crs=_crs(query, "crs"),
        filters=filters,
        given=given,
    )


def item_crs(query: QueryDict) -> Crs:
    """Validate the query of ``/collections/<id>/items/<featureId>``: its output CRS."""
    check_names(query, ITEM_PARAMETERS)
    output_format(query)
    return _crs(query, "crs")
