"""Values every template needs."""

from django.http import HttpRequest

from mapping.conf import hartis_options


def site(request: HttpRequest) -> dict[str, object]:
    options = hartis_options()
    return {
        "basemap_tile_url": options.basemap_tile_url,
        "basemap_attribution": options.basemap_attribution,
    }
