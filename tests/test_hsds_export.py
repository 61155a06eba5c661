"""export_hsds: a valid Frictionless tabular data package of HSDS 3.0 tables, the same services
as nested JSON, deterministic to the byte, and careful about where it writes."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from frictionless import validate

from layers.hsds.package import SERVICES_JSON, export_package
from layers.hsds.spec import descriptor
from mapping.models import Organization, Service
from tests.test_hsds_api import assert_valid, rich_service  # noqa: F401 - a fixture


@pytest.fixture
def exported(tmp_path, rich_service) -> Path:  # noqa: F811 - the fixture imported above
    directory = tmp_path / "hsds"
    export_package(directory)
    return directory


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def test_the_package_is_valid_frictionless(exported):
    # Types, formats, required fields, unique ids and every foreign key across the tables.
    report = validate(exported / "datapackage.json")
    problems = report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])
    assert report.valid, problems[:20]


def test_every_table_has_the_descriptor_header(exported):
    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    hsds = descriptor()["resources"]
    assert [r["name"] for r in package["resources"]] == [r["name"] for r in hsds]
    for ours, theirs in zip(package["resources"], hsds, strict=True):
        assert ours["path"] == theirs["path"]
        fields = [f["name"] for f in theirs["schema"]["fields"]]
        assert [f["name"] for f in ours["schema"]["fields"]] == fields
        assert [f["type"] for f in ours["schema"]["fields"]] == [
            f["type"] for f in theirs["schema"]["fields"]
        ]
        with (exported / ours["path"]).open(encoding="utf-8", newline="") as table:
            assert next(csv.reader(table)) == fields


def test_licences_and_sources_name_where_the_data_comes_from(exported):
    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    assert {"ODbL-1.0", "CC0-1.0"} <= {licence["name"] for licence in package["licenses"]}
    osm = next(lic for lic in package["licenses"] if lic["name"] == "ODbL-1.0")
    assert "OpenStreetMap" in osm["title"]
    titles = " ".join(source["title"] for source in package["sources"])
    assert "OpenStreetMap" in titles and "Municipal districts" in titles
    assert "Open Referral" in titles and "Test register" in titles


def test_json_and_csv_say_the_same(exported, rich_service):  # noqa: F811
    services = json.loads((exported / SERVICES_JSON).read_text(encoding="utf-8"))
    for service in services:
        assert_valid(service, "service")
    published = Service.objects.active()
    ids = [s["id"] for s in services]
    assert ids == sorted(ids) and set(ids) == {
        str(pk) for pk in published.values_list("pk", flat=True)
    }
    table = _csv(exported / "services.csv")
    assert [row["id"] for row in table] == ids
    rich = next(s for s in services if s["id"] == str(rich_service.pk))
    row = next(r for r in table if r["id"] == str(rich_service.pk))
    assert (row["name"], row["minimum_age"], row["last_modified"]) == (
        rich["name"],
        "18",
        rich["last_modified"],
    )
    locations = {r["id"]: r for r in _csv(exported / "locations.csv")}
    place = rich["service_at_locations"][0]["location"]
    assert float(locations[place["id"]]["latitude"]) == place["latitude"]
    addresses = {r["location_id"]: r for r in _csv(exported / "addresses.csv")}
    assert addresses[place["id"]]["postal_code"] == "113 61"
    phones = {r["id"]: r for r in _csv(exported / "phones.csv")}
    assert phones[rich["phones"][0]["id"]]["extension"] == "12"
    schedules = {r["id"]: r for r in _csv(exported / "schedules.csv")}
    night = schedules[rich["schedules"][0]["id"]]
    assert (night["freq"], night["byday"], night["opens_at"], night["timezone"]) == (
        "WEEKLY",
        "FR",
        "22:00:00",
        "",
    )
    organizations = {r["id"] for r in _csv(exported / "organizations.csv")}
    assert organizations == {
        str(pk)
        for pk in Organization.objects.filter(services__status="active").values_list(
            "pk", flat=True
        )
    }
    assert _csv(exported / "programs.csv") == []  # tables we hold nothing for: header only


def test_two_exports_are_identical_bytes(exported, tmp_path):
    again = tmp_path / "again"
    export_package(again)
    files = sorted(path.name for path in exported.iterdir())
    assert files == sorted(path.name for path in again.iterdir())
    assert len(files) == len(descriptor()["resources"]) + 2
    for name in files:
        assert (exported / name).read_bytes() == (again / name).read_bytes(), name


def test_the_command_refuses_a_directory_in_use(tmp_path, athens):
    directory = tmp_path / "out"
    directory.mkdir()
    (directory / "notes.txt").write_text("mine")
    with pytest.raises(CommandError, match="not empty"):
        call_command("export_hsds", str(directory))
    with pytest.raises(CommandError, match=r"notes\.txt"):
        call_command("export_hsds", str(directory), "--overwrite")
    assert (directory / "notes.txt").read_text() == "mine"
    (directory / "notes.txt").unlink()
    call_command("export_hsds", str(directory), stdout=io.StringIO())
    with pytest.raises(CommandError, match="--overwrite"):
        call_command("export_hsds", str(directory))
    log = io.StringIO()
    call_command("export_hsds", str(directory), "--force", stdout=log)
    assert f"service {Service.objects.active().count()}," in log.getvalue()
