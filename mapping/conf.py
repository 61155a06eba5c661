"""Hartis' own options (``settings.HARTIS``), with defaults, checked once at start-up."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class HartisOptions:
    """Validated application options. Days are calendar days."""

    city_slug: str
    basemap_tile_url: str
    basemap_attribution: str
    stale_after_days: int
    services_as_tiles_above: int  # active services; more than this: the map uses tiles


def hartis_options() -> HartisOptions:
    """Read and validate ``settings.HARTIS``; raise ImproperlyConfigured naming the bad key."""
    raw = dict(getattr(settings, "HARTIS", {}))
    tile_url = raw.get("BASEMAP_TILE_URL", "")
    for placeholder in ("{z}", "{x}", "{y}"):
        if placeholder not in tile_url:
            raise ImproperlyConfigured(
                f"HARTIS['BASEMAP_TILE_URL'] (env HARTIS_BASEMAP_URL) must contain {placeholder}, "
                f"got {tile_url!r}."
            )
    stale = raw.get("STALE_AFTER_DAYS", 180)
    if not isinstance(stale, int) or stale < 1:
        raise ImproperlyConfigured(
            f"HARTIS['STALE_AFTER_DAYS'] must be a positive number of days, got {stale!r}."
        )
    above = raw.get("SERVICES_AS_TILES_ABOVE", 5000)
    try:
        above = int(str(above).strip())
    except ValueError:
        above = -1
    if above < 0:
        raise ImproperlyConfigured(
            "HARTIS['SERVICES_AS_TILES_ABOVE'] (env HARTIS_SERVICES_AS_TILES_ABOVE) must be a "
            f"number of services, 0 or more, got {raw.get('SERVICES_AS_TILES_ABOVE')!r}."
        )
    city = raw.get("CITY_SLUG") or "athens"
    return HartisOptions(
        city_slug=city,
        basemap_tile_url=tile_url,
        basemap_attribution=raw.get("BASEMAP_ATTRIBUTION", ""),
        stale_after_days=stale,
        services_as_tiles_above=above,
    )
