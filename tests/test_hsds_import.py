"""import_hsds: HSDS 3.0 packages (CSV, zip, JSON) into the directory, all or nothing.

Packages are written by hand in tmp_path with the column headers of HSDS 3.0's
``datapackage.json``; places are real Athens coordinates (WGS84 lon, lat).
"""

import csv
import io
import json
import uuid
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.urls import reverse

from mapping.hsds import (
    LINK_PROVENANCE,
    LINK_TARGET_GROUP,
    LINK_THEME,
    derived_id,
    provenance_term_id,
)
from mapping.models import (
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from tests.conftest import KYPSELI_FOKIONOS_NEGRI, SYNTAGMA

SERVICE_FULL = (
    Path(__file__).resolve().parent.parent
    / "layers/hsds/standard/examples/service_full.json"  # upstream's example, shipped
)

# HSDS 3.0 tabular headers (datapackage.json), table → (file, columns).
HEADERS = {
    "organization": (
        "organizations.csv",
        "id,name,alternate_name,description,email,website,tax_status,tax_id,year_incorporated,"
        "legal_status,logo,uri,parent_organization_id",
    ),
    "service": (
        "services.csv",
        "id,organization_id,program_id,name,alternate_name,description,url,email,status,"
        "interpretation_services,application_process,fees_description,wait_time,fees,"
        "accreditations,eligibility_description,minimum_age,maximum_age,assured_date,"
        "assurer_email,licenses,alert,last_modified",
    ),
    "location": (
        "locations.csv",
        "id,location_type,url,organization_id,name,alternate_name,description,transportation,"
        "latitude,longitude,external_identifier,external_identifier_type",
    ),
    "address": (
        "addresses.csv",
        "id,location_id,attention,address_1,address_2,city,region,state_province,postal_code,"
        "country,address_type",
    ),
    "service_at_location": ("service_at_location.csv", "id,service_id,location_id,description"),
    "phone": (
        "phones.csv",
        "id,location_id,service_id,organization_id,contact_id,service_at_location_id,number,"
        "extension,type,description",
    ),
    "schedule": (
        "schedules.csv",
        "id,service_id,location_id,service_at_location_id,valid_from,valid_to,dtstart,timezone,"
        "until,count,wkst,freq,interval,byday,byweekno,bymonthday,byyearday,description,"
        "opens_at,closes_at,schedule_link,attending_type,notes",
    ),
    "service_area": ("service_areas.csv", "id,service_id,name,description,extent,extent_type,uri"),
    "language": ("languages.csv", "id,service_id,location_id,phone_id,name,code,note"),
    "taxonomy": ("taxonomies.csv", "id,name,description,uri,version"),
    "taxonomy_term": (
        "taxonomy_terms.csv",
        "id,code,name,description,parent_id,taxonomy,language,taxonomy_id,term_uri",
    ),
    "attribute": ("attributes.csv", "id,link_id,taxonomy_term_id,link_type,link_entity,value"),
}

ORG = "1f0e8c1e-0000-4000-8000-000000000001"
ORG_2 = "1f0e8c1e-0000-4000-8000-000000000002"
SERVICE = "2a0e8c1e-0000-4000-8000-000000000001"
SERVICE_2 = "2a0e8c1e-0000-4000-8000-000000000002"
LOCATION = "3b0e8c1e-0000-4000-8000-000000000001"
SAL = "4c0e8c1e-0000-4000-8000-000000000001"
SCHEDULE = "5d0e8c1e-0000-4000-8000-000000000001"
PHONE = "6e0e8c1e-0000-4000-8000-000000000001"
PHONE_2 = "6e0e8c1e-0000-4000-8000-000000000002"
AREA = "7f0e8c1e-0000-4000-8000-000000000001"
FOREIGN_TAXONOMY = "8a0e8c1e-0000-4000-8000-000000000001"
FOREIGN_TERM = "8a0e8c1e-0000-4000-8000-000000000002"
REFUGEES_TERM = "8a0e8c1e-0000-4000-8000-000000000003"  # the package's id for our "refugees"


def _square(lon: float, lat: float, d: float = 0.002) -> str:
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d]]
    return json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})


def clean_tables() -> dict[str, list[dict]]:
    """One organisation, service and place at Syntagma with hours, languages, a phone, an
    area, a theme, a target group (matched by code), provenance and a foreign term."""
    health = TaxonomyTerm.objects.categories().get(code="health")
    themes = health.taxonomy
    groups = Taxonomy.objects.get(slug="hartis-target-groups")
    return {
        "organization": [{"id": ORG, "name": "Δίκτυο Αλληλεγγύης", "description": ""}],
        "location": [
            {
                "id": LOCATION,
                "location_type": "physical",
                "organization_id": ORG,
                "name": "Γραφείο Συντάγματος",
                "latitude": str(SYNTAGMA[1]),
                "longitude": str(SYNTAGMA[0]),
            }
        ],
        "address": [
            {
                "id": str(uuid.uuid4()),
                "location_id": LOCATION,
                "address_1": "Πλατεία Συντάγματος 1",
                "city": "Αθήνα",
                "state_province": "Αττική",
                "postal_code": "10563",
                "country": "GR",
                "address_type": "physical",
            }
        ],
        "service": [
            {
                "id": SERVICE,
                "organization_id": ORG,
                "name": "Νομική συμβουλευτική",
                "status": "active",
                "minimum_age": "18",
                "assured_date": "2025-09-01",
                "last_modified": "2025-09-01T08:30:00.123Z",
            }
        ],
        "service_at_location": [{"id": SAL, "service_id": SERVICE, "location_id": LOCATION}],
        "schedule": [
            {
                "id": SCHEDULE,
                "service_at_location_id": SAL,
                "freq": "WEEKLY",
                "byday": "MO,WE",
                "opens_at": "09:00",
                "closes_at": "17:00:00",
            }
        ],
        "language": [
            {"id": str(uuid.uuid4()), "service_id": SERVICE, "code": "ar"},
            {"id": str(uuid.uuid4()), "service_id": SERVICE, "code": "fa"},
            {"id": str(uuid.uuid4()), "phone_id": PHONE, "code": "en"},
        ],
        "phone": [{"id": PHONE, "service_id": SERVICE, "number": "+30 210 1234567"}],
        "service_area": [
            {
                "id": AREA,
                "service_id": SERVICE,
                "name": "Κέντρο",
                "extent": _square(*SYNTAGMA),
                "extent_type": "geojson",
            }
        ],
        "taxonomy": [
            {"id": str(themes.id), "name": themes.name, "description": ""},
            {"id": FOREIGN_TAXONOMY, "name": "Open Eligibility", "description": "Other"},
        ],
        "taxonomy_term": [
            {
                "id": REFUGEES_TERM,
                "code": "refugees",
                "name": "Refugees",
                "description": "",
                "taxonomy_id": str(groups.id),
            },
            {
                "id": FOREIGN_TERM,
                "code": "legal-aid",
                "name": "Legal aid",
                "description": "",
                "taxonomy_id": FOREIGN_TAXONOMY,
            },
        ],
        "attribute": [
            _attribute(SERVICE, health.id, LINK_THEME),
            _attribute(SERVICE, REFUGEES_TERM, LINK_TARGET_GROUP),
            _attribute(SERVICE, FOREIGN_TERM, "category"),
            _attribute(SERVICE, provenance_term_id("source"), LINK_PROVENANCE, "Test NGO list"),
            _attribute(SERVICE, provenance_term_id("demo"), LINK_PROVENANCE, "true"),
            _attribute(
                ORG, provenance_term_id("source"), LINK_PROVENANCE, "Test NGO list", "organization"
            ),
        ],
    }


def _attribute(link_id, term_id, link_type, value="", entity="service") -> dict:
    return {
        "id": str(uuid.uuid4()),
        "link_id": str(link_id),
        "taxonomy_term_id": str(term_id),
        "link_type": link_type,
        "link_entity": entity,
        "value": value,
    }


def write_package(directory: Path, tables: dict[str, list[dict]], *, descriptor=True) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    resources = []
    for table, rows in tables.items():
        filename, header = HEADERS[table]
        columns = header.split(",")
        with (directory / filename).open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        resources.append({"name": table, "path": filename})
    if descriptor:
        (directory / "datapackage.json").write_text(json.dumps({"resources": resources}))
    return directory


def directory_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Organization,
            Service,
            Location,
            ServiceAtLocation,
            Schedule,
            Phone,
            ServiceArea,
        )
    }


def test_clean_import_creates_everything(athens, tmp_path, capsys):
    call_command("import_hsds", str(write_package(tmp_path / "pkg", clean_tables())))

    service = Service.objects.get(id=SERVICE)
    assert service.name == "Νομική συμβουλευτική"
    assert service.organization.name == "Δίκτυο Αλληλεγγύης"
    assert service.minimum_age == 18
    assert str(service.assured_date) == "2025-09-01"
    # when it last changed at its source, not the time of the import
    assert service.last_modified.isoformat() == "2025-09-01T08:30:00.123000+00:00"
    assert service.source == "Test NGO list" and service.is_demo
    assert service.organization.source == "Test NGO list"
    assert set(service.languages.values_list("code", flat=True)) == {"ar", "fa"}
    assert list(service.categories.values_list("code", flat=True)) == ["health"]
    assert list(service.target_groups.values_list("code", flat=True)) == ["refugees"]
    assert service.search_vector is not None

    location = Location.objects.get(id=LOCATION)
    assert location.point.srid == 4326
    assert (location.point.x, location.point.y) == pytest.approx(SYNTAGMA)
    assert location.address_1 == "Πλατεία Συντάγματος 1"
    assert location.region == "Αττική"  # from state_province when region is empty
    assert location.district.number == 1  # the spatial join ran
    assert location.organization_id == uuid.UUID(ORG)

    hours = Schedule.objects.filter(service_at_location_id=SAL).order_by("weekday")
    assert [(h.weekday, f"{h.opens_at:%H:%M}", f"{h.closes_at:%H:%M}") for h in hours] == [
        (1, "09:00", "17:00"),
        (3, "09:00", "17:00"),
    ]
    # The first day keeps the HSDS id, the next gets one derived from it.
    assert [h.id for h in hours] == [uuid.UUID(SCHEDULE), derived_id("schedule", SCHEDULE, "WE")]

    phone = Phone.objects.get(id=PHONE)
    assert phone.service_id == service.id and phone.type == "voice"
    assert list(phone.languages.values_list("code", flat=True)) == ["en"]

    area = ServiceArea.objects.get(id=AREA)
    assert area.extent.geom_type == "MultiPolygon" and area.extent.srid == 4326
    assert area.extent.contains(Point(*SYNTAGMA, srid=4326))

    out = capsys.readouterr().out
    assert "service: 1 created, 0 updated, 0 skipped" in out
    assert "other taxonomies" in out  # the foreign term and its attribute are noted


def test_reimport_updates_and_does_not_duplicate(athens, tmp_path, capsys):
    tables = clean_tables()
    call_command("import_hsds", str(write_package(tmp_path / "first", tables)))
    before = directory_counts()

    tables["service"][0]["name"] = "Νομική βοήθεια"
    tables["location"][0].update(
        latitude=str(KYPSELI_FOKIONOS_NEGRI[1]), longitude=str(KYPSELI_FOKIONOS_NEGRI[0])
    )
    tables["schedule"][0]["byday"] = "TU"
    tables["language"] = tables["language"][:1]
    tables["phone"].append({"id": PHONE_2, "service_id": SERVICE, "number": "1535"})
    capsys.readouterr()
    call_command("import_hsds", str(write_package(tmp_path / "second", tables)))

    after = directory_counts()
    assert after == {**before, "Schedule": before["Schedule"] - 1, "Phone": before["Phone"] + 1}
    service = Service.objects.get(id=SERVICE)
    assert service.name == "Νομική βοήθεια"
    assert list(service.languages.values_list("code", flat=True)) == ["ar"]
    assert [h.weekday for h in Schedule.objects.filter(service_at_location_id=SAL)] == [2]
    location = Location.objects.get(id=LOCATION)
    assert location.neighbourhood.slug == "kypseli"  # moved, areas recomputed
    assert Service.objects.search("βοήθεια").filter(id=SERVICE).exists()
    out = capsys.readouterr().out
    assert "service: 0 created, 1 updated, 0 skipped" in out
    assert "phone: 1 created, 1 updated, 0 skipped" in out


def _mess(mutate):
    def build():
        tables = clean_tables()
        mutate(tables)
        return tables

    return build


MESSY = {
    "broken organization_id": (
        _mess(lambda t: t["service"][0].update(organization_id=str(uuid.uuid4()))),
        ("service", "2", "organization_id"),
    ),
    "latitude out of range": (
        _mess(lambda t: t["location"][0].update(latitude="100")),
        ("location", "2", "latitude"),
    ),
    "longitude out of range": (
        _mess(lambda t: t["location"][0].update(longitude="-200.5")),
        ("location", "2", "longitude"),
    ),
    "extent not GeoJSON": (
        _mess(lambda t: t["service_area"][0].update(extent="extent")),
        ("service_area", "2", "extent"),
    ),
    "extent not a polygon": (
        _mess(
            lambda t: t["service_area"][0].update(
                extent=json.dumps({"type": "Point", "coordinates": list(SYNTAGMA)})
            )
        ),
        ("service_area", "2", "extent"),
    ),
    "stray quotes in a phone number": (
        _mess(lambda t: t["phone"][0].update(number='"+30 210 1234567"')),
        ("phone", "2", "number"),
    ),
    "bad uuid": (
        _mess(lambda t: t["service"][0].update(id="not-a-uuid")),
        ("service", "2", "id"),
    ),
    "bad date": (
        _mess(lambda t: t["service"][0].update(assured_date="2025-13-01")),
        ("service", "2", "assured_date"),
    ),
    "bad time": (
        _mess(lambda t: t["schedule"][0].update(opens_at="25:00")),
        ("schedule", "2", "opens_at"),
    ),
    "missing service name": (
        _mess(lambda t: t["service"][0].update(name="")),
        ("service", "2", "name"),
    ),
    "missing organization name": (
        _mess(lambda t: t["organization"][0].update(name=" ")),
        ("organization", "2", "name"),
    ),
    "duplicate id": (
        _mess(lambda t: t["service"].append({**t["service"][0], "name": "Twice"})),
        ("service", "3", "id"),
    ),
    "unknown status": (
        _mess(lambda t: t["service"][0].update(status="open")),
        ("service", "2", "status"),
    ),
    "monthly schedule": (
        _mess(lambda t: t["schedule"][0].update(freq="MONTHLY", byday="1MO")),
        ("schedule", "2", "freq"),
    ),
    "unknown language code": (
        _mess(lambda t: t["language"][1].update(code="xx")),
        ("language", "3", "code"),
    ),
    "bad e-mail": (
        _mess(lambda t: t["service"][0].update(email="not an address")),
        ("service", "2", "email"),
    ),
    "unknown term of our taxonomy": (
        _mess(lambda t: t["taxonomy_term"][0].update(code="astronauts")),
        ("taxonomy_term", "2", "code"),
    ),
}


@pytest.mark.parametrize("case", MESSY, ids=list(MESSY))
def test_messy_package_writes_nothing_and_names_the_problem(athens, tmp_path, capsys, case):
    build, (table, row, field) = MESSY[case]
    before = directory_counts()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_hsds", str(write_package(tmp_path / "pkg", build())))
    assert directory_counts() == before
    assert f"{table}, row {row}, {field}: " in capsys.readouterr().err


def test_missing_required_column_is_a_problem(athens, tmp_path, capsys):
    package = write_package(tmp_path / "pkg", clean_tables())
    organizations = package / "organizations.csv"
    organizations.write_text(
        f"id,name\n{ORG},Δίκτυο Αλληλεγγύης\n", encoding="utf-8"
    )  # no description column, which HSDS requires
    with pytest.raises(CommandError):
        call_command("import_hsds", str(package))
    assert "organization, row 2, description: " in capsys.readouterr().err


def test_csvs_without_a_descriptor(athens, tmp_path):
    call_command(
        "import_hsds", str(write_package(tmp_path / "pkg", clean_tables(), descriptor=False))
    )
    assert Service.objects.filter(id=SERVICE).exists()


def test_zip_package_by_path(athens, tmp_path):
    archive = tmp_path / "package.zip"
    archive.write_bytes(_zip(clean_tables()).getvalue())
    call_command("import_hsds", str(archive))
    assert Service.objects.filter(id=SERVICE).exists()


def test_skip_invalid_imports_the_rest_and_reports(athens, tmp_path, capsys):
    tables = clean_tables()
    tables["organization"].append({"id": ORG_2, "name": "", "description": ""})  # invalid
    tables["service"].append(
        {"id": SERVICE_2, "organization_id": ORG_2, "name": "Orphan", "status": "active"}
    )
    tables["phone"].append({"id": PHONE_2, "service_id": SERVICE_2, "number": "1535"})
    tables["location"][0]["latitude"] = "91"  # invalid: its place, hours and address go too
    report = tmp_path / "skipped.csv"

    call_command(
        "import_hsds",
        str(write_package(tmp_path / "pkg", tables)),
        "--skip-invalid",
        "--report",
        str(report),
    )

    assert Service.objects.filter(id=SERVICE).exists()
    assert not Organization.objects.filter(id=ORG_2).exists()
    assert not Service.objects.filter(id=SERVICE_2).exists()
    assert not Phone.objects.filter(id=PHONE_2).exists()
    assert not Location.objects.filter(id=LOCATION).exists()
    assert not ServiceAtLocation.objects.filter(id=SAL).exists()
    assert Phone.objects.filter(id=PHONE).exists()

    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    where = {(r["table"], r["row"], r["field"]) for r in rows}
    assert ("organization", "3", "name") in where
    assert ("location", "2", "latitude") in where
    assert ("service", "3", "") in where  # skipped: its organisation is invalid
    assert ("phone", "3", "") in where  # skipped: its service is skipped
    assert ("service_at_location", "2", "") in where
    assert ("schedule", "2", "") in where
    skipped_service = next(r for r in rows if r["table"] == "service")
    assert ORG_2 in skipped_service["message"]
    out = capsys.readouterr().out
    assert str(report) in out
    assert "service: 1 created, 0 updated, 1 skipped" in out


def test_skip_invalid_json_report(athens, tmp_path):
    tables = clean_tables()
    tables["phone"][0]["number"] = "call us"
    report = tmp_path / "skipped.json"
    call_command(
        "import_hsds",
        str(write_package(tmp_path / "pkg", tables)),
        "--skip-invalid",
        f"--report={report}",
    )
    assert json.loads(report.read_text())[0]["field"] == "number"
    assert Service.objects.filter(id=SERVICE).exists()


def nested_service() -> dict:
    """One service as the HSDS API gives it: everything nested."""
    health = TaxonomyTerm.objects.categories().get(code="health")
    return {
        "id": SERVICE,
        "name": "Ιατρείο",
        "status": "active",
        "organization": {"id": ORG, "name": "Γιατροί του Κόσμου", "description": ""},
        "phones": [
            {
                "id": PHONE,
                "number": "210 3213150",
                "languages": [{"id": str(uuid.uuid4()), "code": "el"}],
            }
        ],
        "languages": [{"id": str(uuid.uuid4()), "code": "ar", "name": "Arabic"}],
        "service_at_locations": [
            {
                "id": SAL,
                "schedules": [
                    {
                        "id": SCHEDULE,
                        "freq": "WEEKLY",
                        "byday": "FR",
                        "opens_at": "10:00",
                        "closes_at": "14:00",
                    }
                ],
                "location": {
                    "id": LOCATION,
                    "location_type": "physical",
                    "latitude": SYNTAGMA[1],
                    "longitude": SYNTAGMA[0],
                    "addresses": [
                        {
                            "id": str(uuid.uuid4()),
                            "address_1": "Σαπφούς 12",
                            "city": "Αθήνα",
                            "state_province": "",
                            "postal_code": "10553",
                            "country": "GR",
                            "address_type": "physical",
                        }
                    ],
                    # the same phone, repeated where it also belongs
                    "phones": [{"id": PHONE, "number": "210 3213150"}],
                },
            }
        ],
        "attributes": [
            {"id": str(uuid.uuid4()), "taxonomy_term_id": str(health.id), "link_type": "theme"},
        ],
    }


def test_json_nested_service(athens, tmp_path):
    path = tmp_path / "service.json"
    path.write_text(json.dumps({"total_items": 1, "contents": [nested_service()]}))
    call_command("import_hsds", str(path))
    service = Service.objects.get(id=SERVICE)
    assert service.organization.name == "Γιατροί του Κόσμου"
    assert list(service.categories.values_list("code", flat=True)) == ["health"]
    assert list(service.languages.values_list("code", flat=True)) == ["ar"]
    phone = Phone.objects.get(id=PHONE)
    assert (phone.service_id, phone.location_id) == (service.id, uuid.UUID(LOCATION))
    assert Location.objects.get(id=LOCATION).address_1 == "Σαπφούς 12"
    assert Schedule.objects.get(id=SCHEDULE).weekday == 5


def test_json_same_id_with_different_content_is_a_problem(athens, tmp_path, capsys):
    service = nested_service()
    service["service_at_locations"][0]["location"]["phones"][0]["number"] = "210 0000000"
    path = tmp_path / "service.json"
    path.write_text(json.dumps(service))
    with pytest.raises(CommandError):
        call_command("import_hsds", str(path))
    err = capsys.readouterr().err
    assert "phone, row #/service_at_locations/0/location/phones/0, number: Duplicate id" in err


def test_service_of_an_organisation_already_in_hartis(athens, tmp_path):
    call_command("import_hsds", str(write_package(tmp_path / "first", clean_tables())))
    second = {
        "service": [
            {"id": SERVICE_2, "organization_id": ORG, "name": "Μαθήματα", "status": "active"}
        ]
    }
    call_command("import_hsds", str(write_package(tmp_path / "second", second)))
    assert Service.objects.get(id=SERVICE_2).organization_id == uuid.UUID(ORG)
    # the first package's service is not in the second: left as it was
    assert Service.objects.get(id=SERVICE).languages.count() == 2


def test_json_problem_is_named_by_pointer(athens, tmp_path, capsys):
    service = nested_service()
    service["service_at_locations"][0]["location"]["latitude"] = 237.97
    path = tmp_path / "services.json"
    path.write_text(json.dumps([service]))
    with pytest.raises(CommandError):
        call_command("import_hsds", str(path))
    assert (
        "location, row #/0/service_at_locations/0/location, latitude: " in capsys.readouterr().err
    )


def test_hsds_example_service_full(athens, tmp_path, capsys):
    """The official example is placeholders: latitude 100, extent "extent", a quoted phone
    number, a schedule with every rule part. Each is a problem; with --skip-invalid the
    organisation and service come in, and what hangs off the bad place is reported."""
    before = directory_counts()
    with pytest.raises(CommandError):
        call_command("import_hsds", str(SERVICE_FULL))
    assert directory_counts() == before
    err = capsys.readouterr().err
    assert "latitude: Latitude 100.0 is outside" in err
    assert "service_area, row #/service_areas/0, extent: " in err
    assert "phone, row #/phones/0, number: " in err
    assert "schedule, row #/schedules/0, byweekno: " in err

    call_command(
        "import_hsds", str(SERVICE_FULL), "--skip-invalid", f"--report={tmp_path / 'r.csv'}"
    )
    service = Service.objects.get(id="ac148810-d857-441c-9679-408f346de14b")
    assert service.organization.name == "Example Organization Inc."
    assert list(service.languages.values_list("code", flat=True)) == ["ur"]
    assert not Location.objects.filter(id="3a19ff88-4620-4d17-9830-ac1d859eb5d5").exists()


# The admin upload page ---------------------------------------------------------------------

UPLOAD_URL = "admin:mapping_service_import_hsds"


def _zip(tables) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for table, rows in tables.items():
            filename, header = HEADERS[table]
            out = io.StringIO()
            writer = csv.DictWriter(out, header.split(","), extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            archive.writestr(f"hsds/{filename}", out.getvalue())
    buffer.seek(0)
    buffer.name = "package.zip"
    return buffer


@pytest.fixture
def staff_client(client, django_user_model, athens):
    user = django_user_model.objects.create_user(
        "editor", "editor@example.org", "pw", is_staff=True
    )
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_service", "change_service"])
    )
    client.force_login(user)
    return client


def test_admin_upload_shows_problems_and_writes_nothing(staff_client):
    tables = clean_tables()
    tables["service"][0]["organization_id"] = str(uuid.uuid4())
    before = directory_counts()
    response = staff_client.post(reverse(UPLOAD_URL), {"file": _zip(tables)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<td>service</td>" in html and "<td>organization_id</td>" in html
    assert "No organization with id" in html
    assert directory_counts() == before


def test_admin_upload_imports_with_counts(staff_client):
    changelist = reverse("admin:mapping_service_changelist")
    assert reverse(UPLOAD_URL) in staff_client.get(changelist).content.decode()
    tables = clean_tables()
    tables["phone"][0]["number"] = "'1535'"
    response = staff_client.post(
        reverse(UPLOAD_URL), {"file": _zip(tables), "skip_invalid": "on"}, follow=True
    )
    html = response.content.decode()
    assert "service: 1 created, 0 updated, 0 skipped" in html
    assert "<td>phone</td>" in html  # the skipped phone is listed
    assert Service.objects.filter(id=SERVICE).exists()
    assert not Phone.objects.filter(id=PHONE).exists()


def test_admin_upload_json(staff_client):
    upload = io.BytesIO(json.dumps(nested_service()).encode())
    upload.name = "service.json"
    response = staff_client.post(reverse(UPLOAD_URL), {"file": upload})
    assert response.status_code == 302
    assert Service.objects.filter(id=SERVICE).exists()


def test_admin_upload_rejects_other_files(staff_client):
    upload = io.BytesIO(b"id,name\n")
    upload.name = "services.csv"
    response = staff_client.post(reverse(UPLOAD_URL), {"file": upload})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_admin_upload_needs_staff_with_service_permissions(client, django_user_model, athens):
    url = reverse(UPLOAD_URL)
    user = django_user_model.objects.create_user("visitor", "v@example.org", "pw")
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    user.is_staff = True
    user.save()
    assert client.get(url).status_code == 403
    assert client.post(url, {"file": _zip(clean_tables())}).status_code == 403
    assert not Service.objects.filter(id=SERVICE).exists()
