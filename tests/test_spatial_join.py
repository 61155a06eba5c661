"""Locations get municipality, district and neighbourhood from PostGIS on save and on import."""

from django.contrib.gis.geos import Point

from mapping.models import Location
from tests.conftest import KYPSELI_FOKIONOS_NEGRI, PAGKRATI_PLATEIA_VARNAVA, SYNTAGMA


def _located(at):
    return Location.objects.create(name="place", point=Point(*at, srid=4326))


def test_known_places_fall_in_their_districts(athens):
    assert _located(SYNTAGMA).district.number == 1
    kypseli = _located(KYPSELI_FOKIONOS_NEGRI)
    assert kypseli.district.number == 6
    assert kypseli.neighbourhood.slug == "kypseli"
    assert _located(PAGKRATI_PLATEIA_VARNAVA).district.number == 2
    assert _located(SYNTAGMA).municipality == athens


def test_moving_a_location_moves_its_areas(athens):
    location = _located(SYNTAGMA)
    location.point = Point(*KYPSELI_FOKIONOS_NEGRI, srid=4326)
    location.save()
    assert location.district.number == 6


def test_outside_athens_has_no_areas(athens):
    piraeus = _located((23.6470, 37.9420))
    assert piraeus.municipality is None
    assert piraeus.district is None
    assert piraeus.neighbourhood is None


def test_set_based_join_updates_all_at_once(athens, django_assert_num_queries):
    locations = [_located(SYNTAGMA), _located(KYPSELI_FOKIONOS_NEGRI)]
    Location.objects.filter(pk__in=[loc.pk for loc in locations]).update(district=None)
    with django_assert_num_queries(1):
        updated = Location.objects.filter(pk__in=[loc.pk for loc in locations]).assign_areas()
    assert updated == 2
    numbers = sorted(
        Location.objects.filter(pk__in=[loc.pk for loc in locations]).values_list(
            "district__number", flat=True
        )
    )
    assert numbers == [1, 6]


def test_reloading_geography_rejoins_locations(athens, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    location = _located(SYNTAGMA)
    Location.objects.filter(pk=location.pk).update(district=None, neighbourhood=None)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_athens", force=True, verbosity=0)
    location.refresh_from_db()
    assert location.district.number == 1
