"""Real headless Chromium on the public pages: caseworker, resident, referral, privacy."""

import io
import logging
import re

import pytest
from playwright.sync_api import expect

from tests.browser import BASEMAP_TILES, chromium_page
from tests.conftest import load_athens_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
OMONIA = (37.9841, 23.7281)  # lat, lon


@pytest.fixture
def site(live_server):
    load_athens_data()
    return live_server.url


def _pick_point(page, site, lat, lon, query=""):
    page.goto(f"{site}/en/?map=16/{lat}/{lon}{query}")
    page.wait_for_selector("body[data-loaded=true]")
    page.click("#pick-point")
    box = page.locator("#map").bounding_box()
    with page.expect_response(lambda r: "near=" in r.url):
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#results .result-meta").first).to_contain_text("km")


def test_caseworker_finds_the_nearest_farsi_health_service(site, page):
    _pick_point(page, site, *OMONIA)
    with page.expect_response(lambda r: "theme=health" in r.url and "language=fa" in r.url):
        page.select_option("#f-theme", "health")
        page.select_option("#f-language", "fa")
    expect(page.locator("#results .result")).to_have_count(2)
    metas = page.locator("#results .result-meta").all_inner_texts()
    km = [float(re.search(r"([\d.]+) km", meta).group(1)) for meta in metas]
    assert km == sorted(km)
    names = page.locator("#results .result-name").all_inner_texts()
    assert set(names) == {"DEMO · Primary care clinic", "DEMO · Psychosocial support"}
    assert "theme=health" in page.url and "language=fa" in page.url  # the view is linkable
    assert "near" not in page.url  # the searched point is not
    page.click("#results .result-name >> nth=0")
    page.wait_for_selector("article.service")
    assert page.locator("h1").inner_text().startswith(names[0])


def test_list_and_map_are_synchronised(site, page):
    page.goto(f"{site}/en/?theme=legal&map=15/37.9860/23.7350")
    page.wait_for_selector("body[data-loaded=true]")
    item = page.locator("#results .result").first
    item.locator(".result-meta").click()
    page.wait_for_selector(".leaflet-popup-content")
    assert "DEMO · Asylum information desk" in page.locator(".leaflet-popup-content").inner_text()
    assert "is-selected" in item.get_attribute("class")


def test_resident_reads_arabic_right_to_left_and_browses_a_neighbourhood(site, page):
    page.goto(f"{site}/en/")
    with page.expect_navigation():
        page.select_option("#language-select", "ar")
    assert page.url.startswith(f"{site}/ar/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    # Map controls are mirrored: zoom buttons on the left in RTL.
    zoom = page.locator(".leaflet-control-zoom").bounding_box()
    assert zoom["x"] < page.viewport_size["width"] / 2
    page.goto(f"{site}/ar/neighbourhoods/")
    page.click("text=ΚΥΨΕΛΗ")
    page.wait_for_selector(".area-map .leaflet-interactive")
    assert "DEMO · عيادة رعاية أولية (تجريبية)" in page.content()  # its Arabic translation
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"


def test_phone_layout_fits_360_pixels(site):
    with chromium_page(viewport={"width": 360, "height": 740}, is_mobile=True) as page:
        page.goto(f"{site}/en/?theme=health")
        page.wait_for_selector("body[data-loaded=true]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.locator("#map").bounding_box()["width"] <= 360
        assert page.locator("#results .result").count() > 0


def test_referral_sheet_from_ticked_services(site, page):
    page.goto(f"{site}/en/?theme=legal")
    page.wait_for_selector("body[data-loaded=true]")
    for box in page.locator("#results .refer input").all():
        box.check()
    page.click("#referral-link")
    page.wait_for_selector(".referral-entry")
    assert page.locator(".referral-entry").count() == 2
    assert page.locator(".referral-entry svg").count() == 2
    assert page.locator(".referral-copy[lang=el]").count() == 2


def test_no_request_leaves_the_server_except_basemap_tiles(site):
    with chromium_page(
        geolocation={"latitude": 37.99, "longitude": 23.73}, permissions=["geolocation"]
    ) as page:
        elsewhere = []
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((site, BASEMAP_TILES, "data:"))
                else elsewhere.append(r.url)
            ),
        )
        page.goto(f"{site}/en/")
        page.wait_for_selector("body[data-loaded=true]")
        with page.expect_response(lambda r: "near=" in r.url):
            page.click("#near-me")
        page.check("text=Municipal districts")
        page.wait_for_selector(".leaflet-overlay-pane path")
        page.goto(site + page.locator("#results .result-name").first.get_attribute("href"))
        page.wait_for_selector(".small-map .leaflet-interactive")
        page.goto(f"{site}/en/neighbourhoods/kypseli/")
        page.wait_for_selector(".area-map .leaflet-interactive")
        page.goto(f"{site}/api/docs/")
        page.wait_for_selector(".swagger-ui")
    assert elsewhere == []


def test_searched_coordinates_appear_nowhere_in_the_logs(site, monkeypatch):
    # pytest-django's live server silences access lines; give it back Django's own logging,
    # the code runserver uses, so request lines with their query strings reach the loggers.
    from django.core.servers.basehttp import WSGIRequestHandler
    from django.test.testcases import QuietWSGIRequestHandler

    monkeypatch.setattr(QuietWSGIRequestHandler, "log_message", WSGIRequestHandler.log_message)
    server_log = logging.getLogger("django.server").handlers[0]
    root_log = logging.getLogger().handlers[0]
    captured = io.StringIO()
    streams = [handler.setStream(captured) for handler in (server_log, root_log)]
    try:
        with chromium_page() as page:
            _pick_point(page, site, 37.97654, 23.73219)
            page.goto(f"{site}/api/services/?near=23.73219,137.97654")  # a 400, logged as a warning
    finally:
        for handler, stream in zip((server_log, root_log), streams, strict=True):
            handler.setStream(stream)
    log = captured.getvalue()
    assert "/api/services/?…" in log  # the requests were logged…
    assert "23.732" not in log and "37.976" not in log  # …without the point
