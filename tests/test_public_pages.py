"""Service, neighbourhood, district and referral pages (server-rendered parts)."""

import datetime
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import translation

from mapping.models import Schedule, Service


def _url(name, *args, language="en"):
    with translation.override(language):
        return reverse(name, args=args)


@pytest.fixture
def clinic(athens):
    return Service.objects.get(name="DEMO · Primary care clinic")


def test_service_page(client, clinic, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        response = client.get(_url("service-page", clinic.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "DEMO Organisation B" in html
    assert "badge-demo" in html and "invented demonstration record" in html
    assert "فارسی" in html  # languages by their own names
    assert html.count("09:00–17:00") == 4 and "09:00–14:00" in html
    assert "Free of charge" in html
    assert "ΚΥΨΕΛΗ" in html and "6η Δημοτική Κοινότητα" in html
    assert "openstreetmap.org/directions" in html
    assert "never been verified" in html
    assert 'data-point="23.7385,38.0005"' in html


def test_service_page_shows_staleness_in_months(client, athens):
    hospital = Service.objects.get(name="Ευαγγελισμός")
    html = client.get(_url("service-page", hospital.pk)).content.decode()
    assert "Last verified:" in html
    months = int(re.search(r"Not verified for (\d+) months", html).group(1))
    today = datetime.date.today()
    assert months == (today.year - 2020) * 12 + today.month - 4 - (today.day < 15)
    assert "213-2041-000" in html


def test_fresh_service_has_no_stale_warning(client, clinic):
    Service.objects.filter(pk=clinic.pk).update(assured_date=datetime.date.today())
    html = client.get(_url("service-page", clinic.pk)).content.decode()
    assert "Not verified for" not in html and "never been verified" not in html


def test_open_now_badge(client, clinic):
    html = client.get(_url("service-page", clinic.pk)).content.decode()
    assert ("Open now" in html) is Service.objects.open_now().filter(pk=clinic.pk).exists()
    Schedule.objects.filter(service=clinic).delete()
    for weekday in range(1, 8):
        Schedule.objects.create(
            service=clinic,
            weekday=weekday,
            opens_at=datetime.time(0),
            closes_at=datetime.time(23, 59, 59),
        )
    html = client.get(_url("service-page", clinic.pk)).content.decode()
    assert 'class="open-state is-open"' in html


def test_other_services_at_the_same_place(client, athens, make_service):
    from mapping.models import ServiceAtLocation

    clinic_place = (
        Service.objects.get(name="DEMO · Primary care clinic").service_at_locations.get().location
    )
    neighbour = make_service("Second service here")
    ServiceAtLocation.objects.create(service=neighbour, location=clinic_place)
    html = client.get(_url("service-page", neighbour.pk)).content.decode()
    assert "Other services at this place" in html and "DEMO · Primary care clinic" in html


def test_unknown_service_is_404(client, athens):
    assert client.get(_url("service-page", uuid.uuid4())).status_code == 404


def test_neighbourhood_index_groups_by_district(client, athens):
    html = client.get(_url("neighbourhood-index")).content.decode()
    assert html.count('class="district-group"') == 7
    assert html.count("/en/neighbourhoods/") >= 45
    sixth = html[html.index("6η Δημοτική Κοινότητα") :]
    assert "ΚΥΨΕΛΗ" in sixth[: sixth.index("7η Δημοτική Κοινότητα")]


def test_neighbourhood_page(client, athens, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get(_url("neighbourhood-page", "kypseli"))
    html = response.content.decode()
    assert "ΚΥΨΕΛΗ" in html
    assert "DEMO · Primary care clinic" in html
    counts = dict(re.findall(r'data-theme="(\w+)">[^<]+: <strong>(\d+)</strong>', html))
    assert counts["health"] == "1"
    assert set(counts) == {"housing", "health", "legal", "education", "employment", "gender"}
    assert client.get(_url("neighbourhood-page", "atlantis")).status_code == 404


def test_nearby_lists_services_just_outside(client, athens):
    html = client.get(_url("neighbourhood-page", "kypseli")).content.decode()
    nearby = html[html.index("Nearby (within 500 m)") :]
    assert "<li data-point" in nearby  # Kypseli has neighbours with services within 500 m
    here = html[html.index("Services here") : html.index("Nearby (within 500 m)")]
    for link in re.findall(r'href="([^"]+)"', nearby.split("</ul>")[0]):
        assert link not in here


def test_district_page(client, athens):
    html = client.get(_url("district-page", 1)).content.decode()
    assert "1η Δημοτική Κοινότητα" in html and "Ευαγγελισμός" in html
    assert client.get(_url("district-page", 9)).status_code == 404


def test_referral_sheet_in_two_languages_with_qr(client, clinic):
    hospital = Service.objects.get(name="Ευαγγελισμός")
    url = _url("referral-sheet") + f"?services={clinic.pk},{hospital.pk}&lang=ar"
    html = client.get(url).content.decode()
    assert html.count('class="referral-entry"') == 2
    assert html.count('lang="ar" dir="rtl"') == 2 and html.count('lang="el" dir="ltr"') == 2
    assert html.count("<svg") == 2
    assert f"/ar/services/{clinic.pk}/" in html
    assert "Δευτέρα" in html  # Greek weekday names in the Greek copy


@pytest.mark.parametrize("query", ["", "?services=nope", "?services={pk}&lang=xx"])
def test_referral_sheet_bad_input_is_400(client, clinic, query):
    response = client.get(_url("referral-sheet") + query.format(pk=clinic.pk))
    assert response.status_code == 400


def test_area_layers_are_built_in_the_database(client, athens, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get("/api/layers/neighbourhoods.geojson")
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert len(body["features"]) == 45
    kypseli = next(f for f in body["features"] if f["properties"]["slug"] == "kypseli")
    assert kypseli["properties"]["name"] == "ΚΥΨΕΛΗ"
    ring = (
        kypseli["geometry"]["coordinates"][0][0]
        if kypseli["geometry"]["type"] == "MultiPolygon"
        else kypseli["geometry"]["coordinates"][0]
    )
    assert all(len(str(c).split(".")[-1]) <= 6 for point in ring for c in point)
    etag = response["ETag"]
    assert (
        client.get("/api/layers/neighbourhoods.geojson", HTTP_IF_NONE_MATCH=etag).status_code == 304
    )
    assert client.get("/api/layers/rivers.geojson").status_code == 404
