"""Real headless Chromium: an editor logs in and sees a location on the admin map."""

import shutil

import pytest
from django.urls import reverse
from playwright.sync_api import sync_playwright

from mapping.models import Location
from tests.conftest import load_athens_data

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


def test_admin_map_shows_the_point_without_third_party_assets(live_server, page, django_user_model):
    load_athens_data()
    django_user_model.objects.create_superuser("editor", "editor@example.org", "correct horse 42")
    location = Location.objects.get(name="Ευαγγελισμός")
    third_party_assets = []

    def watch(request):
        if request.resource_type in {"script", "stylesheet", "font"} and not request.url.startswith(
            live_server.url
        ):
            third_party_assets.append(request.url)

    page.on("request", watch)
    # Basemap tiles cannot load here (no internet); the map must work without them.
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())

    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "editor")
    page.fill("#id_password", "correct horse 42")
    page.click("input[type=submit]")
    page.goto(live_server.url + reverse("admin:mapping_location_change", args=[location.pk]))

    page.wait_for_selector(".leaflet-container")
    page.wait_for_selector(".leaflet-marker-icon")
    assert page.locator(".leaflet-marker-icon").count() == 1
    assert page.locator(".leaflet-draw-toolbar, .leaflet-draw").count() >= 1  # editable
    assert third_party_assets == []
    # The stored point round-trips through the widget's hidden field.
    stored = page.locator("textarea[name=point], input[name=point]").first.input_value()
    assert "23.7" in stored and "37.9" in stored
