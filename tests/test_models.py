"""Model rules: services without a place, WGS84 ranges, schedules, age ranges."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from mapping.models import Location, LocationType, Schedule, Service, TaxonomyTerm
from tests.conftest import SYNTAGMA


def test_a_service_may_have_no_location(make_service):
    helpline = make_service("Helpline")
    helpline.full_clean()
    assert not helpline.service_at_locations.exists()
    assert Service.objects.filter(pk=helpline.pk).exists()


@pytest.mark.parametrize(
    ("lon", "lat", "message"),
    [
        (200.0, 37.97, "Longitude 200.0 is outside −180…180"),
        (23.73, 100.0, "Latitude 100.0 is outside −90…90"),
        (-181.0, 0.0, "Longitude -181.0 is outside"),
    ],
)
def test_coordinates_outside_wgs84_are_rejected(db, lon, lat, message):
    location = Location(name="bad", point=Point(lon, lat, srid=4326))
    with pytest.raises(ValidationError) as error:
        location.full_clean()
    assert message in str(error.value.message_dict["point"])


def test_swapped_coordinates_hint(db):
    # Athens written as (lat, lon) instead of (lon, lat) is still in range: no error,
    # but it lands outside the city, so it gets no district.
    location = Location.objects.create(name="swapped", point=Point(37.9755, 23.7348, srid=4326))
    assert location.district is None


def test_online_location_has_no_point(db):
    location = Location(
        name="online", location_type=LocationType.VIRTUAL, point=Point(*SYNTAGMA, srid=4326)
    )
    with pytest.raises(ValidationError, match="no position on the map"):
        location.full_clean()


def test_age_range_must_be_ordered(make_service):
    service = make_service("Youth club")
    service.minimum_age, service.maximum_age = 18, 12
    with pytest.raises(ValidationError, match="maximum age"):
        service.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        service.save()


def test_schedule_belongs_to_exactly_one_owner(make_service):
    service = make_service("Clinic")
    with pytest.raises(IntegrityError), transaction.atomic():
        Schedule.objects.create(weekday=1, opens_at=datetime.time(9), closes_at=datetime.time(17))
    hours = Schedule.objects.create(
        service=service, weekday=1, opens_at=datetime.time(9), closes_at=datetime.time(17)
    )
    assert hours.byday == "MO"
    assert str(hours).endswith("09:00–17:00")


def test_vocabulary_is_seeded(db):
    themes = TaxonomyTerm.objects.themes()
    assert list(themes.values_list("code", flat=True)) == [
        "housing",
        "health",
        "legal",
        "education",
        "employment",
        "gender",
    ]
    health = themes.get(code="health")
    assert health.name_el == "Υγεία"
    assert health.name_en == "Health"
    assert "health-mental" in health.children.values_list("code", flat=True)
    groups = set(TaxonomyTerm.objects.target_groups().values_list("code", flat=True))
    assert {
        "asylum-seekers",
        "refugees",
        "unaccompanied-minors",
        "lgbtqi",
        "trafficking-victims",
    } <= groups


def test_languages_are_seeded(db):
    from mapping.models import Language

    codes = set(Language.objects.values_list("code", flat=True))
    required = [
        "el",
        "en",
        "ar",
        "fa",
        "prs",
        "ps",
        "ur",
        "fr",
        "ku",
        "so",
        "ti",
        "ln",
        "bn",
        "pa",
        "sq",
        "uk",
        "ru",
    ]
    assert set(required) <= codes
    assert Language.objects.get(code="fa").is_rtl
    assert not Language.objects.get(code="fr").is_rtl


def test_in_theme_includes_subcategories(make_service):
    service = make_service("Counselling")
    service.categories.add(TaxonomyTerm.objects.get(code="health-mental"))
    assert Service.objects.in_theme("health").filter(pk=service.pk).exists()
    assert not Service.objects.in_theme("legal").filter(pk=service.pk).exists()
