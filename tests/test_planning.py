"""The planners' dashboard and its exports: public levels for everyone, tract level and migrant
figures for planners only, and files that open (CSV, GeoJSON, GeoPackage, offline HTML)."""

import csv
import io
import json
import re

import geopandas
import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.shortcuts import resolve_url
from django.urls import reverse

from geodata.models import CensusTract, District, Neighbourhood
from layers import planning
from layers.coverage import MIGRANT_FIGURES
from layers.views_planning import export_filename

SCENARIO = {"theme": "health", "minutes": 15}
LAYER_COUNTS = {
    "neighbourhood": lambda: Neighbourhood.objects.filter(municipality__slug="athens").count(),
    "district": lambda: District.objects.filter(municipality__slug="athens").count(),
    "tract": lambda: CensusTract.objects.filter(municipality__slug="athens").count(),
}


def _export(client, fmt, **params):
    return client.get(reverse("planning-export", args=[fmt]), {**SCENARIO, **params})


def _login_url() -> str:
    return resolve_url(settings.LOGIN_URL)


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("staff", is_staff=True))
    return client


@pytest.fixture
def planner_client(client, django_user_model):
    planner = django_user_model.objects.create_user("planner")
    planner.user_permissions.add(Permission.objects.get(codename="view_detailed_coverage"))
    client.force_login(planner)
    return client


# ---- classes ------------------------------------------------------------------------------


def test_quantile_breaks_and_dark_is_worse():
    edges = planning.class_breaks([None, *range(1, 11)])
    assert edges == [1, 3, 5, 7, 9, 10]
    assert [planning.class_of(v, edges) for v in (1, 2, 3, 9, 10, None)] == [0, 0, 1, 4, 4, None]
    assert planning.class_breaks([4, 4, 4]) == [4, 4]  # one class, not an error
    assert planning.class_breaks([]) == []
    darkest = planning.PALETTE[-1]
    assert planning.class_colours(5, higher_is_better=True)[0] == darkest  # low share = worst
    assert planning.class_colours(5, higher_is_better=False)[-1] == darkest  # big gap = worst
    assert len(set(planning.class_colours(3, higher_is_better=False))) == 3


def test_export_filename_names_the_scenario():
    data = {"theme": "health", "minutes": 15, "level": "neighbourhood"}
    assert export_filename(data, "gpkg") == "hartis-coverage-health-15min-neighbourhood.gpkg"
    data |= {"language": "fa", "target_group": "women", "free": True}
    assert export_filename(data, "csv") == (
        "hartis-coverage-health-15min-neighbourhood-lang-fa-women-free.csv"
    )


# ---- public exports ----------------------------------------------------------------------


@pytest.mark.parametrize("level", ["neighbourhood", "district"])
def test_public_csv_and_geojson_round_trip(client, athens, level):
    areas = LAYER_COUNTS[level]()
    response = _export(client, "csv", level=level)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="hartis-coverage-health-15min-{level}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == areas
    assert {"name", "population", "gap_population", "share_covered"} <= set(rows[0])
    assert not set(MIGRANT_FIGURES) & set(rows[0])
    for row in rows:  # covered + gap = population, to the rounding of the figures
        total = float(row["covered_population"]) + float(row["gap_population"])
        assert total == pytest.approx(float(row["population"]), abs=0.2)

    body = json.loads(_export(client, "geojson", level=level).content)
    assert body["type"] == "FeatureCollection" and body["level"] == level
    assert len(body["features"]) == areas
    assert body["scenario"]["theme"] == "health" and body["scenario"]["minutes"] == 15
    properties = body["features"][0]["properties"]
    assert "share_covered" in properties
    assert not set(MIGRANT_FIGURES) & set(properties)


def test_figures_vary_between_areas(client, athens):
    """A scenario outside the stored ones is computed on the spot; its areas differ."""
    body = json.loads(_export(client, "geojson", level="neighbourhood", minutes=17).content)
    shares = {feature["properties"]["share_covered"] for feature in body["features"]}
    assert len(shares) > 5 and min(shares) < 0.5 < max(shares)
    named = [f["properties"]["gap_nearest_service"] for f in body["features"]]
    assert any(named) and all(service is None or service["name"] for service in named)


def test_public_geopackage_reads_back_with_geopandas(client, athens, tmp_path):
    response = _export(client, "gpkg", level="neighbourhood")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    assert (
        'filename="hartis-coverage-health-15min-neighbourhood.gpkg"'
        in (response["Content-Disposition"])
    )
    file = tmp_path / "coverage.gpkg"
    file.write_bytes(response.content)
    frame = geopandas.read_file(file, layer="coverage_neighbourhood")
    assert len(frame) == LAYER_COUNTS["neighbourhood"]()
    assert frame.crs.to_epsg() == 4326
    expected = {"id", "name", "slug", "population", "gap_population", "share_covered"}
    assert expected | {"median_walk_minutes", "gap_nearest_service_name"} <= set(frame.columns)
    assert not set(MIGRANT_FIGURES) & set(frame.columns)
    assert frame.geometry.is_valid.all()
    assert frame["share_covered"].between(0, 1).all()


def test_html_report_opens_offline(client, athens):
    response = _export(client, "html", level="neighbourhood", figure="gap_population")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.html"')
    page = response.content.decode()
    assert str(planning.FIGURES["gap_population"].label) in page  # the layer and the legend
    assert "L.geoJson(" in page or "L.geoJSON(" in page
    assert "hartis-legend" in page
    # No script or style fetched from anywhere: Leaflet is inlined, folium's CDNs are gone.
    assert re.findall(r"<script[^>]*\bsrc=", page) == []
    assert re.findall(r"<link[^>]*\bhref=\"?https?:", page) == []
    assert "cdn." not in page and "bootstrap" not in page.lower()
    assert "tile.openstreetmap.org/{z}/{x}/{y}" in page or "{z}/{x}/{y}" in page


# ---- access -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"level": "tract"},
        {"level": "neighbourhood", "migrants": "1"},
        {"level": "district", "figure": "gap_migrants"},
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "gpkg", "html"])
def test_anonymous_detail_exports_go_to_the_login_page(client, athens, fmt, params):
    response = _export(client, fmt, **params)
    assert response.status_code == 302
    assert response.url.startswith(_login_url() + "?next=")


@pytest.mark.parametrize("query", ["level=tract", "figure=migrant_share_covered", "migrants=1"])
def test_anonymous_detail_dashboard_goes_to_the_login_page(client, athens, query):
    response = client.get(reverse("planning") + "?" + query)
    assert response.status_code == 302
    assert response.url.startswith(_login_url() + "?next=")


def test_signed_in_without_permission_gets_403(client, athens, django_user_model):
    client.force_login(django_user_model.objects.create_user("resident"))
    assert _export(client, "csv", level="tract").status_code == 403
    assert client.get(reverse("planning"), {"level": "tract"}).status_code == 403
    assert _export(client, "csv", level="district").status_code == 200


def test_staff_export_tracts_with_migrant_figures(staff_client, athens, tmp_path):
    response = _export(staff_client, "gpkg", level="tract", migrants="1")
    assert response.status_code == 200
    assert "tract-migrants.gpkg" in response["Content-Disposition"]
    file = tmp_path / "tracts.gpkg"
    file.write_bytes(response.content)
    frame = geopandas.read_file(file)
    assert len(frame) == LAYER_COUNTS["tract"]()
    assert {"code", "migrants", "gap_migrants", "migrant_share_covered"} <= set(frame.columns)

    rows = list(
        csv.DictReader(
            io.StringIO(_export(staff_client, "csv", level="district").content.decode("utf-8-sig"))
        )
    )
    assert not set(MIGRANT_FIGURES) & set(rows[0])  # only when asked for, as in the API
    report = _export(staff_client, "html", level="tract", figure="gap_migrants")
    assert str(planning.FIGURES["gap_migrants"].label) in report.content.decode()


def test_planner_permission_is_enough(planner_client, athens):
    response = _export(planner_client, "csv", level="district", migrants="1")
    assert response.status_code == 200
    header = response.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert "migrant_share_covered" in header


def test_bad_parameters_are_refused_with_reasons(client, athens):
    response = _export(client, "csv", theme="nope", colour="red")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "theme" in errors and "colour" in errors
    assert _export(client, "csv", minutes=90).status_code == 400
    assert client.get(reverse("planning") + "export.pdf").status_code == 404


# ---- the page -----------------------------------------------------------------------------


def test_public_dashboard_is_a_shell_with_its_config(client, athens):
    response = client.get(reverse("planning"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="map"' in page and 'id="gaps"' in page and 'id="chart"' in page
    assert "layers/planning.js" in page and "vendor/leaflet/leaflet.js" in page
    config = response.context["config"]
    assert config["detailed"] is False
    assert set(config["figures"]) == set(planning.PUBLIC_FIGURES)
    assert config["coverage"] == "/api/coverage/"
    assert 'value="tract"' not in page
    assert "migrant_share_covered" not in page
    assert 'value="health"' in page  # the map page's vocabulary: themes, languages, groups
    assert reverse("planning-export", args=["gpkg"]) in page


def test_staff_dashboard_offers_tracts_and_migrant_figures(staff_client, athens):
    response = staff_client.get(reverse("planning"), {"level": "tract", "figure": "gap_migrants"})
    assert response.status_code == 200
    assert response.context["config"]["detailed"] is True
    page = response.content.decode()
    assert 'value="tract"' in page and 'value="gap_migrants"' in page


@pytest.mark.parametrize("language", ["el", "ar", "fa", "fr", "ur"])
def test_dashboard_and_report_are_translated(client, athens, language):
    response = client.get(f"/{language}/planning/")
    assert response.status_code == 200
    config = response.context["config"]
    assert config["text"]["loading"] != "Computing coverage…"
    assert config["figures"]["share_covered"]["label"] != "Share of residents covered"
    assert "The 10 largest gaps" not in response.content.decode()
    report = client.get(
        f"/{language}/planning/export.html", {**SCENARIO, "level": "district"}
    ).content.decode()
    assert config["figures"]["share_covered"]["label"] in report
