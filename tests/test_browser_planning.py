"""Real headless Chromium on the planners' dashboard: the choropleth and its legend, the gaps
table, the chart, URL state, downloads that open (offline, for the HTML report), tract detail
for planners, and the Arabic phone layout."""

import re

import geopandas
import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from geodata.models import CensusTract, Neighbourhood
from layers import planning
from tests.browser import BASEMAP_TILES, chromium_page
from tests.conftest import load_athens_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct horse 42"
AREAS = ".leaflet-overlay-pane path"


@pytest.fixture
def site(live_server):
    load_athens_data()
    # The importers write in bulk, without the per-row signals that mark stored coverage
    # stale; refresh it as an operator would after an import.
    call_command("refresh_coverage", verbosity=0)
    return live_server.url


def _open(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-loaded=true]")


def _fills(page) -> list[str]:
    return page.eval_on_selector_all(AREAS, "paths => paths.map(p => p.getAttribute('fill'))")


def _legend_colours(page) -> set[str]:
    return set(
        page.eval_on_selector_all(
            ".planning-legend .legend-swatch", "swatches => swatches.map(s => s.dataset.colour)"
        )
    )


def test_dashboard_renders_the_choropleth_the_gaps_and_the_chart(site, page):
    elsewhere = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((site, BASEMAP_TILES, "data:")) else elsewhere.append(r),
    )
    _open(page, f"{site}/en/planning/?theme=health&minutes=15")
    neighbourhoods = Neighbourhood.objects.filter(municipality__slug="athens").count()
    assert page.locator(AREAS).count() == neighbourhoods
    fills = _fills(page)
    assert set(fills) <= _legend_colours(page)  # every area wears a class of the legend
    assert len(set(fills)) >= 3
    assert "Share of residents covered" in page.locator(".planning-legend").inner_text()
    assert "%" in page.locator(".planning-legend li").first.inner_text()

    rows = page.locator("#gaps tbody tr")
    assert rows.count() == 10
    gaps = [
        int(re.sub(r"\D", "", text)) for text in rows.locator("td:nth-child(2)").all_inner_texts()
    ]
    assert gaps == sorted(gaps, reverse=True) and gaps[0] > 0
    nearest = rows.first.locator("td:nth-child(3) a")
    assert re.search(r"/en/services/[0-9a-f-]{36}/$", nearest.get_attribute("href"))
    assert "min" in rows.first.locator("td:nth-child(4)").inner_text()

    assert page.locator("#chart svg rect.bar-covered").count() == 7  # the seven districts
    assert page.locator("#chart svg rect.bar-uncovered").count() == 7
    page.wait_for_selector(".leaflet-points-pane path")  # the service points, on top
    assert elsewhere == []


def test_figure_and_areas_live_in_the_url(site, page):
    _open(page, f"{site}/en/planning/?theme=legal&minutes=20")
    page.select_option("#p-figure", "gap_population")
    expect(page.locator(".planning-legend strong")).to_have_text("Residents not covered")
    page.select_option("#p-level", "district")
    expect(page.locator(AREAS)).to_have_count(7)
    assert "figure=gap_population" in page.url and "level=district" in page.url
    assert "theme=legal" in page.url and "minutes=20" in page.url
    assert "export.gpkg?theme=legal&minutes=20&level=district" in page.locator(
        "#export-gpkg"
    ).get_attribute("href")

    _open(page, page.url)  # the link reproduces the view
    assert page.locator("#p-figure").input_value() == "gap_population"
    assert page.locator("#p-theme").input_value() == "legal"
    assert page.locator(AREAS).count() == 7
    assert page.locator("#gaps tbody tr").count() == 7


def test_exports_download_and_open(site, page, tmp_path):
    _open(page, f"{site}/en/planning/?theme=health&minutes=15")
    with page.expect_download() as download:
        page.click("#export-gpkg")
    assert download.value.suggested_filename == "hartis-coverage-health-15min-neighbourhood.gpkg"
    geopackage = tmp_path / download.value.suggested_filename
    download.value.save_as(geopackage)
    frame = geopandas.read_file(geopackage)
    assert len(frame) == Neighbourhood.objects.filter(municipality__slug="athens").count()
    assert {"name", "share_covered", "gap_population"} <= set(frame.columns)

    with page.expect_download() as download:
        page.click("#export-csv")
    assert download.value.suggested_filename.endswith("neighbourhood.csv")

    with page.expect_download() as download:
        page.click("#export-html")
    report = tmp_path / "report.html"
    download.value.save_as(report)
    text = report.read_text(encoding="utf-8")
    assert str(planning.FIGURES["share_covered"].label) in text
    assert re.findall(r"<script[^>]*\bsrc=", text) == []

    # Offline: nothing but the file itself (basemap tiles refused, as everywhere here).
    fetched = []
    page.on(
        "request", lambda r: None if r.url.startswith(("file:", "data:")) else fetched.append(r)
    )
    page.goto(report.as_uri())
    page.wait_for_selector(".leaflet-overlay-pane path")
    assert page.locator(".leaflet-overlay-pane path").count() == len(frame)
    assert page.locator(".leaflet-points-pane path").count() > 0  # the services on top
    assert page.locator(".hartis-legend li").count() >= 2
    assert {r.url.split("/")[2] for r in fetched} <= {BASEMAP_TILES.split("/")[2]}


def test_anonymous_tract_view_is_sent_to_log_in(site, page):
    page.goto(f"{site}/en/planning/?level=tract")
    assert "login" in page.url and "next=" in page.url


def test_planner_sees_census_tracts_when_zoomed_in(site, page, django_user_model):
    django_user_model.objects.create_superuser("planner", "planner@example.org", PASSWORD)
    page.goto(site + reverse("admin:login"))
    page.fill("#id_username", "planner")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))

    _open(page, f"{site}/en/planning/?theme=health&level=tract&map=13/37.9838/23.7275")
    neighbourhoods = Neighbourhood.objects.filter(municipality__slug="athens").count()
    assert page.locator(AREAS).count() == neighbourhoods  # tracts only when zoomed in
    assert page.locator("#tract-hint").is_visible()
    assert page.locator("#p-figure option[value=migrant_share_covered]").count() == 1

    for zoom in (14, 15):  # one step at a time: a click during the zoom animation is lost
        page.click(".leaflet-control-zoom-in")
        page.wait_for_url(re.compile(rf"map={zoom}(%2F|/)"))
    tracts = CensusTract.objects.filter(municipality__slug="athens").count()
    expect(page.locator(AREAS)).to_have_count(tracts)
    page.wait_for_selector("body[data-loaded=true]")
    assert not page.locator("#tract-hint").is_visible()
    page.select_option("#p-figure", "gap_migrants")
    expect(page.locator(".planning-legend strong")).to_have_text("Migrants not covered")
    assert set(_fills(page)) <= _legend_colours(page)
    assert "level=tract" in page.locator("#export-csv").get_attribute("href")


def test_arabic_phone_layout_is_mirrored_and_fits(site):
    with chromium_page(viewport={"width": 360, "height": 740}, is_mobile=True) as page:
        _open(page, f"{site}/ar/planning/?theme=health")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.locator("#map").bounding_box()["width"] <= 360
        zoom = page.locator(".leaflet-control-zoom").bounding_box()
        assert zoom["x"] < 180  # mirrored: zoom buttons on the left
        assert page.locator("#gaps tbody tr").count() == 10
        assert page.locator("#chart svg").bounding_box()["width"] <= 360
