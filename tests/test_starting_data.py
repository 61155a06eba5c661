"""The real starting data: which records come in, how they are mapped, what stays empty."""

import pytest
from django.core.management import call_command

from mapping.importers import demo, gisco_hospitals, osm_facilities
from mapping.importers.osm_facilities import classify
from mapping.models import Location, Organization, Schedule, Service


def test_hospitals_inside_or_within_3_km(athens):
    hospitals = Service.objects.filter(source=gisco_hospitals.SOURCE.name)
    # data/athens/README.md: 16 hospitals inside the municipality, 22 within 3 km.
    assert hospitals.count() == 22
    inside = Location.objects.filter(source=gisco_hospitals.SOURCE.name, municipality=athens)
    assert inside.count() == 16
    evangelismos = hospitals.get(name="Ευαγγελισμός")
    assert set(evangelismos.categories.values_list("code", flat=True)) == {
        "health",
        "health-hospital",
    }
    assert list(evangelismos.phones.values_list("number", flat=True)) == ["213-2041-000"]
    assert evangelismos.url == "http://www.evaggelismos-hosp.gr"
    place = evangelismos.service_at_locations.get().location
    assert place.address_1 == "Υψηλάντου 45-47"
    assert place.district.number == 1
    assert str(evangelismos.assured_date) == "2020-04-15"


def test_osm_mapping_table(athens):
    osm = Service.objects.filter(source=osm_facilities.SOURCE.name)
    steki = osm.get(name="Στέκι Μεταναστών")
    assert set(steki.categories.values_list("code", flat=True)) == {
        "education",
        "education-community-centre",
    }
    assert list(steki.target_groups.values_list("code", flat=True)) == ["migrants"]
    assert set(osm.get(name="Colour Youth").categories.values_list("code", flat=True)) == {
        "gender",
        "gender-lgbtqi",
    }
    klimaka = osm.get(name="Κλίμακα")
    assert "housing-emergency-shelter" in klimaka.categories.values_list("code", flat=True)
    assert "health-addiction" in osm.get(name__startswith="Ο.ΚΑ.ΝΑ").categories.values_list(
        "code", flat=True
    )
    assert osm.in_theme("education").filter(name="Δημοτική Βιβλιοθήκη Αθήνας").exists()
    assert (
        osm.get(name="64ο Δημοτικό Σχολείο Αθηνών")
        .categories.filter(code="education-school")
        .exists()
    )
    assert osm.get(name="σχολη οδηγων κελερης").categories.filter(code="education-courses").exists()
    # Not services: museums, officers' club.
    assert not osm.filter(name="Λέσχη Αξιωματικών Ενόπλων Δυνάμεων").exists()
    assert (
        not osm.filter(name__icontains="Μουσείο")
        .exclude(categories__code__startswith="education")
        .exists()
    )
    municipal = Organization.objects.get(source=osm_facilities.SOURCE.name, name="Δήμος Αθηναίων")
    assert municipal.organization_type == "municipal"
    assert municipal.services.filter(name="Σεράφειο").exists()


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"facility_category": "museum", "name": "Μουσείο"}, None),
        ({"facility_category": "community_centre", "name": "Club"}, None),
        (
            {
                "facility_category": "social_centre",
                "social_facility": "shelter",
                "social_facility.for": "migrant",
            },
            ("housing", "housing-accommodation"),
        ),
        (
            {"facility_category": "school", "name": "20ο Γυμνάσιο Αθηνών"},
            ("education", "education-school"),
        ),
        (
            {"facility_category": "school", "name": "Σχολή χορού"},
            ("education", "education-courses"),
        ),
    ],
)
def test_classify(row, expected):
    result = classify(row)
    assert (result.categories if result else None) == expected


def test_real_records_carry_provenance_and_no_invented_fields(athens):
    real = Service.objects.real()
    assert real.count() == 22 + 186
    assert not real.filter(source="").exists()
    assert not real.filter(source_licence="").exists()
    assert not real.filter(is_demo=True).exists()
    # Nothing in the sources says when these places open or which languages they speak.
    assert not Schedule.objects.filter(service__in=real).exists()
    assert not real.filter(languages__isnull=False).exists()
    assert not real.filter(is_free__isnull=False).exists()
    osm = real.filter(source=osm_facilities.SOURCE.name)
    assert not osm.filter(phones__isnull=False).exists()
    assert set(osm.values_list("source_licence", flat=True)) == {
        "ODbL 1.0, © OpenStreetMap contributors"
    }


def test_demo_records_say_they_are_demo(athens):
    demos = Service.objects.filter(source=demo.SOURCE.name)
    assert demos.count() == 12
    assert all(s.is_demo and s.name.startswith("DEMO") for s in demos)
    assert all(o.is_demo for o in Organization.objects.filter(services__in=demos))
    # Every theme has a demo service; two are remote (no location).
    for theme in ("housing", "health", "legal", "education", "employment", "gender"):
        assert demos.in_theme(theme).exists(), theme
    assert demos.filter(service_at_locations__isnull=True).count() == 2


def test_rerunning_the_loaders_keeps_editors_changes(athens):
    ids = set(Service.objects.values_list("pk", flat=True))
    Service.objects.filter(name="Κλίμακα").update(description="Corrected by an editor")
    call_command("load_services", verbosity=0)
    call_command("load_demo", verbosity=0)
    assert set(Service.objects.values_list("pk", flat=True)) == ids
    assert Service.objects.get(name="Κλίμακα").description == "Corrected by an editor"


def test_sync_makes_the_database_match_the_source(athens):
    ids = set(Service.objects.values_list("pk", flat=True))
    klimaka = Service.objects.get(name="Κλίμακα")
    Service.objects.filter(pk=klimaka.pk).update(name="Renamed")
    stray = Service.objects.create(
        organization=klimaka.organization, name="Gone from OSM", source=osm_facilities.SOURCE.name
    )
    call_command("load_services", sync=True, verbosity=0)
    assert Service.objects.get(pk=klimaka.pk).name == "Κλίμακα"
    assert not Service.objects.filter(pk=stray.pk).exists()
    assert set(Service.objects.values_list("pk", flat=True)) == ids


def test_default_import_adds_only_missing_records(athens):
    from mapping.actions.imports import import_service_records

    records = demo.parse_demo()
    Service.objects.from_source(demo.SOURCE.name).filter(name__contains="Night shelter").delete()
    Service.objects.filter(name__contains="Women's centre").update(description="Edited")
    summary = import_service_records(records, source=demo.SOURCE)
    assert summary.services == 1
    shelter = Service.objects.get(name__contains="Night shelter")
    assert shelter.schedules.count() == 7
    assert shelter.service_at_locations.get().location.district.number == 2
    assert Service.objects.get(name__contains="Women's centre").description == "Edited"


def test_demo_records_can_be_removed(athens):
    call_command("load_demo", remove=True, verbosity=0)
    assert not Service.objects.filter(is_demo=True).exists()
    assert not Organization.objects.filter(is_demo=True).exists()
    assert Service.objects.count() == 22 + 186


def test_bad_records_write_nothing_and_list_every_problem(athens):
    from mapping.actions.imports import RecordError, import_service_records
    from mapping.importers.records import LocationRecord, OrganizationRecord, ServiceRecord

    org = OrganizationRecord(key="o", name="Org")
    records = [
        ServiceRecord(key="good", name="Good", organization=org, categories=("health",)),
        ServiceRecord(key="bad-theme", name="Bad", organization=org, categories=("astrology",)),
        ServiceRecord(
            key="bad-point",
            name="Far",
            organization=org,
            location=LocationRecord(key="p", name="p", lon=23.7, lat=97.0),
        ),
    ]
    before = Service.objects.count()
    with pytest.raises(RecordError) as error:
        import_service_records(records, source=demo.SOURCE.__class__(name="test", licence="x"))
    assert "record 'bad-theme': unknown category 'astrology'" in str(error.value)
    assert "record 'bad-point': Latitude 97.0 is outside" in str(error.value)
    assert Service.objects.count() == before
