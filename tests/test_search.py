"""Search core: rules, full-text, nearest, open now — on real PostGIS."""

import datetime
import math
import random
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point

from geodata.spatial import walk_minutes
from mapping.models import (
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from mapping.search import SearchCriteria, _compiled, search
from tests.conftest import KYPSELI_FOKIONOS_NEGRI, SYNTAGMA

ATHENS = ZoneInfo("Europe/Athens")
OMONIA = (23.7281, 37.9841)


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance on the mean-radius sphere, written independently of PostGIS."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_nearest_is_ordered_by_true_distance(athens):
    page = search(SearchCriteria(near=Point(*OMONIA, srid=4326), theme="education", limit=30))
    assert len(page.located) == 30
    distances = [row.distance_m for row in page.located]
    assert distances == sorted(distances)
    for row in page.located:
        independent = haversine_m(OMONIA, tuple(row.geometry["coordinates"]))
        # PostGIS measures on the WGS84 spheroid, haversine on a sphere: within 0.5 %.
        assert row.distance_m == pytest.approx(independent, rel=0.005, abs=1)
    # Nothing left out nearer than the last result.
    everything = search(
        SearchCriteria(near=Point(*OMONIA, srid=4326), theme="education", limit=100)
    )
    assert [r.id for r in everything.located[:30]] == [r.id for r in page.located]


def test_nearest_first_over_tens_of_kilometres_in_every_direction(athens, make_service):
    # Thessaloniki (40.64° N, further north than Athens: a larger Mercator scale change), with
    # 90 places from 200 m to 40 km away in every direction, ordered by the index (Web
    # Mercator) and shown with spheroid distances. Across pages, a place may come after a
    # nearer one only by the documented margin (geodata.spatial.NearestFirst: 0.42 % plus
    # 0.012 % per km); a degree-based order would be off by up to 30 %.
    centre = (22.9444, 40.6401)
    rng = random.Random(5)
    ours = set()
    for n in range(90):
        metres = 200 * (200 ** rng.random())  # 200 m … 40 km, as many near as far
        bearing = rng.uniform(0, 2 * math.pi)
        lat = centre[1] + metres * math.cos(bearing) / 111_132
        lon = centre[0] + metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
        ours.add(str(make_service(f"Place {n}", at=(lon, lat)).pk))
    here = Point(*centre, srid=4326)
    listed = []
    for number in (1, 2, 3, 4):
        page = search(SearchCriteria(near=here, limit=25, page=number, include_demo=False))
        shown = [row.distance_m for row in page.located]
        assert shown == sorted(shown)  # within a page: by the distance shown
        listed += [row for row in page.located if row.service_id in ours]
    assert {row.service_id for row in listed} == ours
    for later, row in enumerate(listed):
        for earlier in listed[:later]:
            margin = 0.0042 + 0.00012 * row.distance_m / 1000
            assert earlier.distance_m <= row.distance_m * (1 + margin) + 0.01


def test_a_reused_statement_orders_from_each_new_point(athens):
    # The second search has the same shape as the first, so its compiled statement is reused
    # with the new point bound in; its order must still be by distance from that point.
    first = search(SearchCriteria(near=Point(*OMONIA, srid=4326), theme="education"))
    hits = _compiled.cache_info().hits
    second = search(SearchCriteria(near=Point(*SYNTAGMA, srid=4326), theme="education"))
    assert _compiled.cache_info().hits == hits + 1
    assert [r.id for r in second.located] != [r.id for r in first.located]
    for row in second.located:
        independent = haversine_m(SYNTAGMA, tuple(row.geometry["coordinates"]))
        assert row.distance_m == pytest.approx(independent, rel=0.005, abs=1)
    distances = [row.distance_m for row in second.located]
    assert distances == sorted(distances)


def test_walk_minutes_uses_the_detour_factor():
    # 800 m straight line × 1.3 detour / 80 m per minute = 13 minutes.
    assert walk_minutes(800) == pytest.approx(13.0)


def test_filters_combine(athens):
    page = search(SearchCriteria(theme="health", language="fa", limit=50))
    names = {row.service_name for row in page.located}
    assert names == {"DEMO · Primary care clinic", "DEMO · Psychosocial support"}
    kypseli = search(SearchCriteria(theme="health", district=6, limit=50))
    assert {row.service_name for row in kypseli.located} == {"DEMO · Primary care clinic"}
    assert all(row.district == 6 for row in kypseli.located)
    nothing = search(SearchCriteria(theme="employment", language="ti"))
    assert nothing.total == 0


def test_subcategory_and_target_group_and_free(athens):
    page = search(SearchCriteria(theme="health-hospital", limit=100))
    assert page.total == 22
    lgbt = search(SearchCriteria(target_group="lgbtqi", limit=100))
    assert {"Colour Youth", "DEMO · LGBTQI+ peer support (online)"} == {
        *(r.service_name for r in lgbt.located),
        *(s.service_name for s in lgbt.remote),
    }
    paid = search(SearchCriteria(theme="employment", free=True, limit=100))
    assert "DEMO · Vocational training (paid course)" not in {r.service_name for r in paid.located}


def test_demo_can_be_left_out(athens):
    with_demo = search(SearchCriteria(theme="gender", limit=100))
    without = search(SearchCriteria(theme="gender", include_demo=False, limit=100))
    assert without.total == with_demo.total - 2
    assert not any(row.service_is_demo for row in without.located)


def test_remote_services_come_after_located_ones(athens):
    page = search(SearchCriteria(theme="legal", limit=10))
    assert [r.service_name for r in page.located] == ["DEMO · Asylum information desk"]
    assert [s.service_name for s in page.remote] == ["DEMO · Legal aid helpline (phone only)"]
    only_remote = search(SearchCriteria(theme="legal", remote=True))
    assert only_remote.located == [] and only_remote.total == 1
    only_located = search(SearchCriteria(theme="legal", remote=False))
    assert only_located.remote == [] and only_located.total == 1


def test_paging_runs_from_located_into_remote(athens):
    everything = search(SearchCriteria(theme="gender", limit=100))
    pages = [search(SearchCriteria(theme="gender", limit=2, page=n)) for n in (1, 2, 3)]
    seen = [r.id for p in pages for r in p.located] + [s.id for p in pages for s in p.remote]
    expected = [r.id for r in everything.located] + [s.id for s in everything.remote]
    assert seen == expected
    assert pages[0].has_next and not pages[-1].has_next


@pytest.mark.parametrize("text", ["υγεια", "ΥΓΕΙΑ", "Υγείας", "υγείες"])
def test_greek_search_ignores_accents_and_case(athens, text):
    names = set(Service.objects.search(text).values_list("name", flat=True))
    assert "Βιβλιοθήκη Επιστημών Υγείας" in names
    assert "DEMO · Primary care clinic" in names  # theme name "Υγεία" in its document


@pytest.mark.parametrize("text", ["Κυψέλη", "κυψελη", "kypseli", "Kypseli"])
def test_place_names_find_their_services_and_nothing_else(athens, text):
    found = Service.objects.search(text)
    assert found.exists()
    kypseli_slugs = {"kypseli", "ano-kypseli", "nea-kypseli"}
    for service in found:
        slugs = {
            sal.location.neighbourhood.slug
            for sal in service.service_at_locations.all()
            if sal.location.neighbourhood
        }
        assert slugs & kypseli_slugs, service.name


def test_search_ranks_names_above_descriptions(athens, make_service):
    in_description = make_service("Counselling", description="Includes shelter referrals")
    in_name = make_service("Shelter for families")
    ranked = list(Service.objects.search("shelter").order_by("-rank").values_list("pk", flat=True))
    assert ranked.index(in_name.pk) < ranked.index(in_description.pk)


def test_search_text_cannot_inject_query_syntax(athens):
    assert Service.objects.search("!!! :* & | ( ").count() == Service.objects.count()
    assert Service.objects.search("κλίμακα'); --").filter(name="Κλίμακα").exists()


def test_search_document_follows_changes(athens, make_service):
    service = make_service("Unnamed desk", at=SYNTAGMA)
    assert not Service.objects.search("zebra").exists()
    Organization.objects.filter(pk=service.organization_id).update(name="Zebra Crossing NGO")
    service.organization.refresh_from_db()
    service.organization.save()
    assert Service.objects.search("zebra").filter(pk=service.pk).exists()
    service.categories.add(TaxonomyTerm.objects.get(code="legal-asylum"))
    assert Service.objects.search("ασύλου").filter(pk=service.pk).exists()
    assert Service.objects.search("plaka").filter(pk=service.pk).exists()  # its neighbourhood


def _clinic_with_hours(make_service, *hours):
    service = make_service("Hours test", at=KYPSELI_FOKIONOS_NEGRI)
    for weekday, opens, closes in hours:
        Schedule.objects.create(service=service, weekday=weekday, opens_at=opens, closes_at=closes)
    return service


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime.datetime(2026, 11, 25, 10, 0, tzinfo=ATHENS), True),  # Wednesday 10:00
        (datetime.datetime(2026, 11, 25, 17, 0, tzinfo=ATHENS), False),  # closes at 17:00
        (datetime.datetime(2026, 11, 25, 8, 59, tzinfo=ATHENS), False),
        (datetime.datetime(2026, 11, 25, 8, 30, tzinfo=datetime.UTC), True),  # 10:30 in Athens
        (datetime.datetime(2026, 11, 28, 10, 0, tzinfo=ATHENS), False),  # Saturday
    ],
)
def test_open_at_weekday_hours(make_service, moment, is_open):
    service = _clinic_with_hours(make_service, (3, datetime.time(9), datetime.time(17)))
    assert Service.objects.open_at(moment).filter(pk=service.pk).exists() is is_open


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime.datetime(2026, 11, 27, 23, 0, tzinfo=ATHENS), True),  # Friday night
        (datetime.datetime(2026, 11, 28, 7, 0, tzinfo=ATHENS), True),  # Saturday, from Friday
        (datetime.datetime(2026, 11, 28, 9, 0, tzinfo=ATHENS), False),
        (datetime.datetime(2026, 11, 27, 12, 0, tzinfo=ATHENS), False),
    ],
)
def test_open_at_overnight(make_service, moment, is_open):
    service = _clinic_with_hours(make_service, (5, datetime.time(21), datetime.time(8)))
    assert Service.objects.open_at(moment).filter(pk=service.pk).exists() is is_open


def test_schedule_validity_dates(make_service):
    service = _clinic_with_hours(make_service, (3, datetime.time(9), datetime.time(17)))
    service.schedules.update(valid_to=datetime.date(2026, 11, 1))
    moment = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=ATHENS)
    assert not Service.objects.open_at(moment).filter(pk=service.pk).exists()


def test_counts_are_lower_bounds_while_more_follow(athens, django_assert_num_queries):
    with django_assert_num_queries(1):  # the page alone: no count, no prefetch
        page = search(SearchCriteria(near=Point(*OMONIA, srid=4326), limit=10))
    assert (page.total, page.total_is_exact, page.has_next) == (11, False, True)
    assert len(page.located) == 10 and page.remote == []
    small = search(SearchCriteria(theme="legal", limit=10))
    assert (small.total, small.total_is_exact, small.has_next) == (2, True, False)
    beyond = search(SearchCriteria(theme="gender", limit=2, page=9))
    assert (beyond.total, beyond.total_is_exact, beyond.located, beyond.remote) == (3, True, [], [])


def test_a_service_at_two_places_is_listed_at_each_and_boxed_by_the_place(athens, make_service):
    # The located rows are read from the services' side: the point and box conditions must
    # hold for one and the same service-at-location row, not for any two of a service's.
    service = make_service("Two desks", at=SYNTAGMA)
    far = Location.objects.create(
        name="Kypseli desk", point=Point(*KYPSELI_FOKIONOS_NEGRI, srid=4326)
    )
    ServiceAtLocation.objects.create(service=service, location=far)
    near = search(SearchCriteria(near=Point(*SYNTAGMA, srid=4326), text="desks", limit=10))
    assert [row.location_name for row in near.located] == ["Two desks place", "Kypseli desk"]
    box = (23.73, 37.97, 23.74, 37.98)  # around Syntagma only
    boxed = search(SearchCriteria(bbox=box, text="desks", limit=10))
    assert [row.location_name for row in boxed.located] == ["Two desks place"]
