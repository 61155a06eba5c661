"""Real headless Chromium: an editor works with the admin's maps."""

import pytest
from django.urls import reverse

from mapping.models import Location
from tests.conftest import load_athens_data

PASSWORD = "correct horse 42"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def editor_page(live_server, page, django_user_model):
    """A logged-in staff editor's page over the Athens data. Basemap tiles cannot load here
    (no internet), so they are refused: the maps must work without them."""
    load_athens_data()
    django_user_model.objects.create_superuser("editor", "editor@example.org", PASSWORD)
    third_party_assets = []

    def watch(request):
        if request.resource_type in {"script", "stylesheet", "font"} and not request.url.startswith(
            live_server.url
        ):
            third_party_assets.append(request.url)

    page.on("request", watch)
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    yield page
    assert third_party_assets == [], "scripts, styles and fonts must be served by us"


def test_location_map_shows_the_stored_point(live_server, editor_page):
    location = Location.objects.get(name="Ευαγγελισμός")
    editor_page.goto(live_server.url + reverse("admin:mapping_location_change", args=[location.pk]))

    editor_page.wait_for_selector(".leaflet-container .leaflet-marker-icon")
    assert editor_page.locator(".leaflet-marker-icon").count() == 1
    assert editor_page.locator(".leaflet-draw-toolbar").count() >= 1  # editable
    stored = editor_page.locator("textarea[name=point]").input_value()
    assert "23.74" in stored and "37.97" in stored


def test_editor_places_a_new_location_on_the_map(live_server, editor_page):
    editor_page.goto(live_server.url + reverse("admin:mapping_location_add"))
    editor_page.fill("#id_name", "Drawn on the map")
    editor_page.click(".leaflet-draw-draw-marker")
    # The empty map opens on settings.LEAFLET_CONFIG's centre (Syntagma, 1st district).
    box = editor_page.locator(".leaflet-container").first.bounding_box()
    editor_page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    editor_page.click("input[name=_save]")
    editor_page.wait_for_selector(".messagelist .success")

    location = Location.objects.get(name="Drawn on the map")
    assert location.point.x == pytest.approx(23.7275, abs=0.01)
    assert location.point.y == pytest.approx(37.9838, abs=0.01)
    assert location.district.number == 1  # the spatial join ran on save
