"""Health check and public pages."""

import pytest
from django.db import DatabaseError
from django.urls import reverse


def test_healthz_reports_database_and_postgis(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] is True
    assert body["postgis"].split(".")[0] == "3"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_when_database_is_down(client, db, monkeypatch):
    def unreachable():
        raise DatabaseError("connection refused")

    monkeypatch.setattr("mapping.views.system.postgis_version", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": False}


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405


def test_about_data_shows_every_attribution(client, athens):
    response = client.get(reverse("about-data"))
    assert response.status_code == 200
    html = response.content.decode()
    for credit in [
        "OpenStreetMap contributors, ODbL 1.0",
        "Inside Airbnb",
        "ELSTAT",
        "Eurostat/GISCO",
        "Δήμος Αθηναίων",
        "CC BY 3.0 GR",
        "Open Referral",
    ]:
        assert credit in html, credit


def test_root_redirects_to_the_visitor_language(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 302
    assert response["Location"] == "/ar/"


def test_map_page_is_a_shell_with_config(client, athens, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get("/en/")
    html = response.content.decode()
    assert 'id="map"' in html
    assert 'id="map-config"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "Ευαγγελισμός" not in html  # the data come from the API, not the page


@pytest.mark.parametrize(
    ("language", "direction"), [("ar", "rtl"), ("fa", "rtl"), ("ur", "rtl"), ("el", "ltr")]
)
def test_page_direction_follows_language(client, athens, language, direction):
    html = client.get(f"/{language}/").content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html
