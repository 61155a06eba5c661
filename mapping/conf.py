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
    site_url: str  # scheme and host of absolute links in e-mails, no trailing slash
    remind_every_days: int  # between two freshness reminders to one organisation
    upload_max_bytes: int  # largest toolkit document accepted


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
    site_url = str(raw.get("SITE_URL", "http://127.0.0.1:8000")).strip().rstrip("/")
    if not site_url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            "HARTIS['SITE_URL'] (env HARTIS_SITE_URL) must be the site's absolute address, "
            f"e.g. https://hartis.example.org, got {raw.get('SITE_URL')!r}."
        )
    counts = {}
    for key, default, what in (
        ("REMIND_EVERY_DAYS", 14, "a positive number of days"),
        ("UPLOAD_MAX_BYTES", 20 * 1024 * 1024, "a positive number of bytes"),
    ):
        value = raw.get(key, default)
        if not isinstance(value, int) or value < 1:
            raise ImproperlyConfigured(f"HARTIS[{key!r}] must be {what}, got {value!r}.")
        counts[key] = value
    city = raw.get("CITY_SLUG") or "athens"
    return HartisOptions(
        city_slug=city,
        basemap_tile_url=tile_url,
        basemap_attribution=raw.get("BASEMAP_ATTRIBUTION", ""),
        stale_after_days=stale,
        services_as_tiles_above=above,
        site_url=site_url,
        remind_every_days=counts["REMIND_EVERY_DAYS"],
        upload_max_bytes=counts["UPLOAD_MAX_BYTES"],
    )
