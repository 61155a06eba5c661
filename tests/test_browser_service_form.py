"""Real headless Chromium: a member adds a service with the map point picker, the area
drawing tool and the weekly hours rows, and sees the saved draft."""

import os

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from mapping.models import Publication, Service
from tests.conftest import load_athens_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def member_page(live_server, page, make_member):
    """A logged-in member's page (the session cookie of a test client's login), watching for
    script errors and for assets not served by us."""
    load_athens_data()
    member = make_member("editor@a.example.org")
    client = Client()
    client.force_login(member)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request",
        lambda request: (
            request.resource_type in {"script", "stylesheet"}
            and not request.url.startswith(live_server.url)
            and problems.append(request.url)
        ),
    )
    page.member = member
    yield page
    assert problems == []


def click_map(page, selector: str, dx: float = 0, dy: float = 0) -> None:
    """Click the map at its centre moved by (dx, dy) pixels."""
    box = page.locator(selector).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)


def test_a_member_picks_the_place_draws_the_area_adds_hours_and_saves_a_draft(
    live_server, member_page
):
    page = member_page
    organization = page.member.memberships.get().organization
    url = reverse("service-create", kwargs={"organization": organization.pk})
    page.goto(live_server.url + url)
    page.fill("#id_name", "Drop-in legal advice")

    # The map opens on settings.LEAFLET_CONFIG's centre (Syntagma): a click there sets the point.
    page.locator("#place-map").scroll_into_view_if_needed()
    click_map(page, "#place-map")
    page.wait_for_selector("#place-map .leaflet-marker-icon")
    lon, lat = float(page.input_value("#id_lon")), float(page.input_value("#id_lat"))
    assert (lon, lat) == pytest.approx((23.7275, 37.9838), abs=0.005)

    # A triangle around the point as the area served.
    page.locator("#catchment-map").scroll_into_view_if_needed()
    page.click("button.draw-area")
    for dx, dy in ((-60, -60), (60, -60), (0, 60)):
        click_map(page, "#catchment-map", dx, dy)
    page.click("button.finish-area")
    assert page.locator("#catchment-map path.leaflet-interactive").count() == 1

    # Hours: the form's first row, then one more added with JavaScript.
    page.select_option("#id_hours-0-weekday", "1")
    page.fill("#id_hours-0-opens", "09:00")
    page.fill("#id_hours-0-closes", "13:00")
    rows = page.locator(".hours-rows tbody .hours-row").count()
    page.click("button.add-hours")
    new = f"#id_hours-{rows}"
    page.select_option(f"{new}-weekday", "6")
    page.fill(f"{new}-opens", "22:00")
    page.fill(f"{new}-closes", "08:00")

    page.click("button[type=submit].primary")
    page.wait_for_selector(".messages")
    assert "Saved as draft." in page.inner_text(".messages")
    assert page.locator(".submit-for-review button").inner_text() == "Submit for review"
    if os.environ.get("HARTIS_SCREENSHOTS"):
        page.screenshot(path=os.environ["HARTIS_SCREENSHOTS"] + "/service-form.png", full_page=True)

    service = Service.objects.get(organization=organization)
    assert service.publication == Publication.DRAFT and service.name == "Drop-in legal advice"
    place = service.service_at_locations.get().location
    assert place.point.coords == pytest.approx((lon, lat))
    assert place.district.number == 1
    hours = sorted(
        (s.weekday, f"{s.opens_at:%H:%M}", f"{s.closes_at:%H:%M}") for s in service.schedules.all()
    )
    assert hours == [(1, "09:00", "13:00"), (6, "22:00", "08:00")]
    area = service.service_areas.get(name="catchment").extent
    assert area.contains(place.point)
    # The page reloaded from the saved record: the marker and the area are back on the maps.
    assert page.locator("#place-map .leaflet-marker-icon").count() == 1
    assert page.locator("#catchment-map path.leaflet-interactive").count() == 1
