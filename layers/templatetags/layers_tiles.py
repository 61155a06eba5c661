"""``{% services_tiles_config as config %}``: whether the public map draws the services from
vector tiles (a directory too large for markers built from GeoJSON) and where the tiles are.

The map page's view is the lead's; this tag lets its template carry the tile config in
``json_script`` without another view change.
"""

from django import template
from django.core.cache import cache
from django.urls import reverse

from mapping.conf import hartis_options
from mapping.models import Service

register = template.Library()

COUNT_KEY = "hartis:active-services"
COUNT_SECONDS = 60  # per process, as the vocabulary: the choice may lag a minute


def active_services() -> int:
    count = cache.get(COUNT_KEY)
    if count is None:
        count = Service.objects.active().count()
        cache.set(COUNT_KEY, count, COUNT_SECONDS)
    return count


@register.simple_tag
def services_tiles_config() -> dict[str, object]:
    """``use``: more active services than HARTIS['SERVICES_AS_TILES_ABOVE']; ``url``: the
    services tile URL with ``{z}/{x}/{y}`` placeholders, as Leaflet.VectorGrid takes it."""
    above = hartis_options().services_as_tiles_above
    example = reverse("tile", args=["services", 0, 0, 0])
    return {
        "use": active_services() > above,
        "url": example.replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt"),
        "above": above,
    }
