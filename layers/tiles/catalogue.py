"""The tile layers: what each one shows, to whom, from which parameters, cached how long.

=================  ==========================================================  ============
layer              features (properties)                                        who
=================  ==========================================================  ============
``services``       a marker per service at a place (service_id, name, themes,   everyone
                   is_demo, count=1), or counted clusters (count) below zoom
                   17 (layers.tiles.service_sql: which come from stored counts)
``districts``      municipal districts (number, name, name_en)                  everyone
``neighbourhoods`` neighbourhoods (slug, name, name_en, district_id)            everyone
``tracts``         census tracts (code, population_2011, migrant_share,         planners
                   elderly_share)
``coverage``       the stored figures of a default scenario: districts below    everyone;
                   zoom 13, neighbourhoods above, census tracts from zoom 15    tracts and
                   for planners                                                 migrants:
                                                                                planners
=================  ==========================================================  ============

Tract detail and migrant figures follow the rule of the coverage API (layers.coverage_layer
``can_see_detail``): planners only, and their responses are ``Cache-Control: private``.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Max
from django.utils.translation import gettext as _
from rest_framework import serializers

from layers.coverage import DEFAULT_MINUTES, MIGRANT_FIGURES, Scenario
from layers.coverage_layer import LEVEL_AREAS
from layers.models import CoverageLevel, CoverageResult
from layers.tiles.cache import cache_key
from layers.tiles.changes import apply_pending
from layers.tiles.grid import TileAddress
from layers.tiles.params import CoverageTileParams, NoParams, ServiceTileParams
from layers.tiles.service_sql import services_sql
from layers.tiles.sql import area_sql, coverage_sql
from mapping.conf import hartis_options
from mapping.localize import fallback_chain, reader_language
from mapping.vocabulary import CACHE_SECONDS as VOCABULARY_SECONDS

# Coverage level by zoom: a district is a few km across, a neighbourhood about one, a tract
# about 250 m (below zoom 15 tracts are noise; the planners' dashboard uses the same zoom).
NEIGHBOURHOODS_FROM_ZOOM = 13
TRACTS_FROM_ZOOM = 15

# Browser and proxy lifetimes (seconds). Services change most often; a stale browser copy is
# at most a minute old, and then revalidated with If-None-Match (a 304 costs one cache read).
SERVICES_MAX_AGE = 60
AREAS_MAX_AGE = 3600
COVERAGE_MAX_AGE = 300

# Shown by the area layers, per layer: (table, properties).
AREA_LAYERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "districts": ("geodata_district", ("number", "name", "name_en")),
    "neighbourhoods": ("geodata_neighbourhood", ("slug", "name", "name_en", "district_id")),
    "tracts": (
        "geodata_censustract",
        ("code", "population_2011", "migrant_share", "elderly_share"),
    ),
}
PLANNERS_ONLY = {"tracts"}
LAYERS = ("services", *AREA_LAYERS, "coverage")


class Refused(Exception):
    """The request names no tile this server gives: ``status`` (403, 404) and a reason."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


Statement = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class TileQuery:
    """One tile to make: what its cache entry depends on, how it may be cached, and how to
    make its SQL (``statement``, called only when the tile is made: a cached tile costs no
    ORM compilation).

    ``family`` is the data family whose generation the entry belongs to (None: ``key``
    itself names the data version); ``public`` False means the tile is for planners only;
    ``vary`` lists request headers the bytes depend on beyond the URL."""

    layer: str
    address: TileAddress
    statement: Callable[[], Statement] = field(repr=False)
    family: str | None
    key: str
    max_age: int
    public: bool = True
    vary: tuple[str, ...] = ()

    def render(self) -> bytes:
        """The encoded tile, made now (no cache): one statement."""
        if self.family == "services":
            apply_pending()  # this connection's own uncommitted changes, if any
        sql, params = self.statement()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            content = cursor.fetchone()[0]
        return bytes(content) if content else b""


# Validated parameters, per process: a map asks for the same few filter sets over and over,
# and DRF validation costs more than a cached tile. Kept as long as the vocabulary they were
# checked against (mapping.vocabulary, at most a minute stale in other processes).
_VALIDATED: dict[tuple, tuple[float, serializers.Serializer]] = {}
_VALIDATED_MAX = 1024


def _valid(params_class: type[serializers.Serializer], data: Mapping[str, Any]) -> Any:
    """The validated ``params_class`` for ``data``; ValidationError (400) with the reasons."""
    values = data.lists() if hasattr(data, "lists") else ((k, [v]) for k, v in data.items())
    key = (params_class, tuple(sorted((name, tuple(given)) for name, given in values)))
    now = time.monotonic()
    kept = _VALIDATED.get(key)
    if kept is not None and now - kept[0] < VOCABULARY_SECONDS:
        return kept[1]
    params = params_class(data=data)
    params.is_valid(raise_exception=True)  # refusals are never kept
    if len(_VALIDATED) >= _VALIDATED_MAX:
        _VALIDATED.clear()
    _VALIDATED[key] = (now, params)
    return params


def _services(address: TileAddress, data: Mapping[str, Any]) -> TileQuery:
    params = _valid(ServiceTileParams, data)
    criteria = params.criteria()
    language = params.validated_data.get("lang") or reader_language()
    return TileQuery(
        layer="services",
        address=address,
        statement=lambda: services_sql(address, criteria, fallback_chain(language)),
        family="services",
        key=cache_key("services", str(address), params.key(criteria), language),
        max_age=SERVICES_MAX_AGE,
        # Without ``lang`` the names follow the request's language (LocaleMiddleware: the
        # language cookie, else Accept-Language).
        vary=() if "lang" in params.validated_data else ("Accept-Language", "Cookie"),
    )


def _areas(layer: str, address: TileAddress, data: Mapping[str, Any]) -> TileQuery:
    _valid(NoParams, data)
    table, columns = AREA_LAYERS[layer]
    return TileQuery(
        layer=layer,
        address=address,
        statement=lambda: area_sql(layer, table, columns, address),
        family="areas",
        key=cache_key(layer, str(address)),
        max_age=AREAS_MAX_AGE,
        public=layer not in PLANNERS_ONLY,
    )


def coverage_level(z: int, detailed: Callable[[], bool]) -> CoverageLevel:
    """The level the coverage layer shows at zoom ``z`` (``detailed`` asked only from
    TRACTS_FROM_ZOOM on, so lower zooms never depend on who asks)."""
    if z < NEIGHBOURHOODS_FROM_ZOOM:
        return CoverageLevel.DISTRICT
    if z >= TRACTS_FROM_ZOOM and detailed():
        return CoverageLevel.TRACT
    return CoverageLevel.NEIGHBOURHOOD


def _coverage(
    address: TileAddress, data: Mapping[str, Any], detailed: Callable[[], bool]
) -> TileQuery:
    values = _valid(CoverageTileParams, data).validated_data
    migrants = values["migrants"]
    if migrants and not detailed():
        raise Refused(403, _("Migrant figures are for planners; log in as one."))
    city = hartis_options().city_slug
    scenario = Scenario(values["theme"], values["minutes"], city=city)
    stored = CoverageResult.objects.filter(scenario=scenario.key, municipality__slug=city)
    computed_at = stored.aggregate(latest=Max("computed_at"))["latest"]
    if computed_at is None:
        raise Refused(
            404,
            _(
                "Coverage tiles are made for the stored scenarios only: a theme at "
                "%(minutes)s minutes. For other scenarios use /api/coverage/."
            )
            % {"minutes": ", ".join(str(m) for m in DEFAULT_MINUTES)},
        )
    level = coverage_level(address.z, detailed)
    hidden = ["methods", "method", "gap_nearest_service_id"]
    hidden += [] if migrants else list(MIGRANT_FIGURES)
    table, columns = LEVEL_AREAS[level]
    return TileQuery(
        layer="coverage",
        address=address,
        statement=lambda: coverage_sql(
            table,
            columns,
            address,
            scenario=scenario.key,
            city=city,
            level=level.value,
            hidden=hidden,
        ),
        family=None,  # the key names the stored run's version: its computed_at
        key=cache_key(
            "coverage",
            str(address),
            scenario.key,
            level.value,
            str(migrants),
            computed_at.isoformat(),
        ),
        max_age=COVERAGE_MAX_AGE,
        public=not (level == CoverageLevel.TRACT or migrants),
    )


def tile_query(
    layer: str,
    address: TileAddress,
    data: Mapping[str, Any],
    *,
    detailed: Callable[[], bool] = lambda: False,
) -> TileQuery:
    """The tile ``layer`` at ``address`` for query parameters ``data``. ``detailed`` tells
    whether the reader may see planners' detail; it is asked only when the answer matters.
    Raises Refused (403, 404) or rest_framework's ValidationError (400) with reasons."""
    if layer == "services":
        return _services(address, data)
    if layer in AREA_LAYERS:
        if layer in PLANNERS_ONLY and not detailed():
            raise Refused(403, _("Census tracts are for planners; log in as one."))
        return _areas(layer, address, data)
    if layer == "coverage":
        return _coverage(address, data, detailed)
    raise Refused(
        404,
        _("No such tile layer %(layer)r; the layers are: %(layers)s.")
        % {"layer": layer, "layers": ", ".join(LAYERS)},
    )
