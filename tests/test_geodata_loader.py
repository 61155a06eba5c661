"""load_athens: counts, population, idempotence, and all-or-nothing on bad input."""

import json
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from geodata.importers import city
from geodata.models import CensusTract, District, Municipality, Neighbourhood
from geodata.sources import ATHENS

# data/athens/README.md: Σ(Population_density × area) over the 494 tracts = 651,126.
README_TRACT_POPULATION = 651_126


def test_counts(athens):
    assert Municipality.objects.count() == 1
    assert District.objects.filter(municipality=athens).count() == 7
    assert Neighbourhood.objects.filter(municipality=athens).count() == 45
    assert CensusTract.objects.filter(municipality=athens).count() == 494
    assert sorted(athens.districts.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6, 7]


def test_population_total_within_one_percent_of_readme(athens):
    total = CensusTract.objects.filter(municipality=athens).aggregate(t=Sum("population_2011"))["t"]
    assert total == pytest.approx(README_TRACT_POPULATION, rel=0.01)
    # The official census figure is kept on the municipality itself.
    assert athens.population_2011 == 664_046


def test_names_and_slugs(athens):
    first = District.objects.get(number=1)
    assert first.name == "1η Δημοτική Κοινότητα"
    assert first.name_en == "1st Municipal District"
    kypseli = Neighbourhood.objects.get(slug="kypseli")
    assert kypseli.name == "ΚΥΨΕΛΗ"
    assert kypseli.name_en == "Kypseli"
    assert kypseli.district.number == 6
    assert Neighbourhood.objects.get(slug="agios-eleftherios").name == "ΑΓΙΟΣ ΕΛΕΥΘΕΡΙΟΣ"


def test_every_tract_has_a_district_and_a_measured_area(athens):
    tracts = CensusTract.objects.filter(municipality=athens)
    assert not tracts.filter(district__isnull=True).exists()
    # Area from PostGIS geography vs the EPSG:2100 area in the source file: same to 1 %.
    # SELECT ST_Area(geom::geography) FROM geodata_censustract WHERE code = '0711631001'
    # → ≈ 30,257 m² (the file's area_m2 = 30257.3).
    assert tracts.get(code="0711631001").area_m2 == pytest.approx(30_257.3, rel=0.01)
    total_km2 = tracts.aggregate(a=Sum("area_m2"))["a"] / 1e6
    assert 36 < total_km2 < 40  # municipality: 38.96 km² officially


def test_reload_is_idempotent_and_keeps_primary_keys(athens):
    before = dict(District.objects.values_list("number", "pk"))
    tract_pk = CensusTract.objects.get(code="0711631001").pk
    call_command("load_athens", force=True, verbosity=0)
    assert dict(District.objects.values_list("number", "pk")) == before
    assert CensusTract.objects.get(code="0711631001").pk == tract_pk
    assert CensusTract.objects.count() == 494


def test_unchanged_files_are_not_reloaded(athens):
    District.objects.filter(number=1).update(name="Edited in the admin")
    call_command("load_athens", verbosity=0)
    assert District.objects.get(number=1).name == "Edited in the admin"
    call_command("load_athens", force=True, verbosity=0)
    assert District.objects.get(number=1).name == "1η Δημοτική Κοινότητα"


@pytest.fixture
def broken_copy(tmp_path):
    """A copy of the Athens data folder, to be broken by the test."""
    target = tmp_path / "athens"
    shutil.copytree(ATHENS.data_dir, target)
    return target


def _snapshot():
    return (
        list(District.objects.order_by("number").values_list("number", "name")),
        Neighbourhood.objects.count(),
        CensusTract.objects.aggregate(t=Sum("population_2011"))["t"],
    )


def test_broken_tract_file_names_file_and_feature_and_changes_nothing(athens, broken_copy):
    districts_file = broken_copy / ATHENS.districts.path
    data = json.loads(districts_file.read_text())
    data["features"][0]["properties"]["name"] = "CHANGED"  # would be written if not atomic
    districts_file.write_text(json.dumps(data))
    tracts_file = broken_copy / ATHENS.tracts.path
    data = json.loads(tracts_file.read_text())
    data["features"][17]["properties"]["pop2011_est"] = "lots"
    tracts_file.write_text(json.dumps(data))
    before = _snapshot()

    with pytest.raises(CommandError) as error:
        call_command("load_athens", data_dir=broken_copy, verbosity=0)

    message = str(error.value)
    assert "census_tracts_2011_athens_494_wgs84_with_pop_est.geojson, feature 17" in message
    assert "'pop2011_est' is not a number" in message
    assert _snapshot() == before


def test_failure_during_the_write_rolls_everything_back(athens, broken_copy, monkeypatch):
    districts_file = broken_copy / ATHENS.districts.path
    data = json.loads(districts_file.read_text())
    data["features"][0]["properties"]["name"] = "CHANGED"
    districts_file.write_text(json.dumps(data))
    before = _snapshot()

    def fail(municipality):
        raise RuntimeError("database went away half-way")

    monkeypatch.setattr(city, "_assign_parents", fail)
    with pytest.raises(RuntimeError):
        call_command("load_athens", data_dir=broken_copy, verbosity=0)
    assert _snapshot() == before


def test_invalid_geometry_is_refused(athens, broken_copy):
    path = broken_copy / ATHENS.neighbourhoods.path
    data = json.loads(path.read_text())
    # A bow-tie: self-intersecting ring.
    data["features"][3]["geometry"] = {
        "type": "Polygon",
        "coordinates": [
            [[23.70, 37.97], [23.72, 37.99], [23.72, 37.97], [23.70, 37.99], [23.70, 37.97]]
        ],
    }
    path.write_text(json.dumps(data))
    with pytest.raises(
        CommandError, match=r"neighbourhoods_45_insideairbnb.geojson, feature 3: invalid geometry"
    ):
        call_command("load_athens", data_dir=broken_copy, verbosity=0)


def test_missing_file_is_named(athens, broken_copy):
    (broken_copy / ATHENS.municipality.path).unlink()
    with pytest.raises(
        CommandError, match=r"municipality_athens_kallikratis_9186\.geojson: file not found"
    ):
        call_command("load_athens", data_dir=broken_copy, verbosity=0)
