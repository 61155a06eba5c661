"""Real headless Chromium on the public map when it draws the services from vector tiles
(the threshold HARTIS['SERVICES_AS_TILES_ABOVE'] set to 0, as for a large directory)."""

import re

import pytest
from django.core.cache import caches

from mapping.models import Location
from tests.conftest import load_athens_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
MVT = "application/vnd.mapbox-vector-tile"
DESK = "DEMO · Asylum information desk"
MARKERS = "#map .leaflet-tile-container svg image"


@pytest.fixture
def site(live_server, settings):
    load_athens_data()
    settings.HARTIS = {**settings.HARTIS, "SERVICES_AS_TILES_ABOVE": 0}
    caches["tiles"].clear()
    return live_server.url


def _watch_tiles(page) -> list:
    responses = []
    page.on("response", lambda r: responses.append(r) if "/tiles/services/" in r.url else None)
    return responses


def test_the_map_draws_services_from_tiles_and_a_click_names_one(site, page):
    desk = Location.objects.get(service_at_locations__service__name=DESK).point
    tiles = _watch_tiles(page)
    page.goto(f"{site}/en/?theme=legal&map=18/{desk.y}/{desk.x}")
    page.wait_for_selector("body[data-loaded=true]")
    page.locator(MARKERS).first.wait_for()

    assert tiles
    assert {r.status for r in tiles} <= {200, 204}
    drawn = [r for r in tiles if r.status == 200]
    assert drawn
    assert all(r.headers["content-type"] == MVT for r in drawn)
    assert all("theme=legal" in r.url and "lang=en" in r.url for r in tiles)
    assert page.locator("#results .result").count() > 0  # the list still comes from the API

    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the desk
    page.wait_for_selector(".leaflet-popup-content")
    assert DESK in page.locator(".leaflet-popup-content").inner_text()


def test_below_zoom_17_places_are_counted_clusters_and_a_click_zooms_in(site, page):
    tiles = _watch_tiles(page)
    page.goto(f"{site}/en/?map=14/37.9838/23.7275")
    page.wait_for_selector("body[data-loaded=true]")
    page.locator(MARKERS).first.wait_for()
    assert any(r.status == 200 for r in tiles)
    # A cluster's icon is a data: SVG disc in the cluster colour; a click zooms in two steps.
    clusters = [
        image
        for image in page.locator(MARKERS).all()
        if "rgba(36%2C59%2C74" in (image.get_attribute("href") or "")
    ]
    assert clusters
    clusters[0].click(force=True)
    page.wait_for_url(re.compile(r"[?&]map=16(%2F|/)"))
