"""The HSDS 3.0 API at /hsds/: every response valid against the HSDS schemas (and strict at the
top level: no invented fields), filters that narrow, paging, proximity, 400s, 404s, budgets."""

import datetime
import itertools
import json
import math
import uuid
from collections import Counter
from functools import cache

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from layers.hsds.spec import SCHEMA_DIR, STANDARD_DIR
from mapping.hsds import (
    DISTRICTS_TAXONOMY,
    HSDS_OPENAPI_URL,
    LINK_DISTRICT,
    LINK_THEME,
    district_term_id,
    generated_taxonomy_id,
    provenance_term_id,
)
from mapping.models import (
    THEMES_TAXONOMY,
    Contact,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from tests.conftest import KYPSELI_FOKIONOS_NEGRI
from tests.test_search import haversine_m

# The HSDS schemas and OpenAPI refer to each other by this prefix; here it resolves to the
# copies shipped in layers/hsds/standard/schema/.
REMOTE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


@cache
def registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        name = path.relative_to(SCHEMA_DIR).as_posix()
        contents = {**json.loads(path.read_text(encoding="utf-8")), "$id": REMOTE + name}
        resources.append((REMOTE + name, DRAFT202012.create_resource(contents)))
    return Registry().with_resources(resources)


def schema(name: str) -> dict:
    """HSDS schema ``name`` (e.g. "service", "compiled/service_list")."""
    return registry().contents(f"{REMOTE}{name}.json")


def assert_valid(obj: object, name: str, *, extra: tuple[str, ...] = ()) -> None:
    """``obj`` is valid against HSDS schema ``name``, and strictly so at the top level: no key
    the schema does not define (``extra`` names keys the compiled HSDS schemas add, such as a
    service-at-location's ``service``)."""
    strict = {
        **schema(name),
        "properties": {**schema(name)["properties"], **{key: {} for key in extra}},
        "additionalProperties": False,
    }
    validator = Draft202012Validator(strict, registry=registry(), format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(obj), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


@cache
def openapi() -> dict:
    return json.loads((STANDARD_DIR / "openapi" / "openapi.json").read_text(encoding="utf-8"))


def assert_page(body: dict, item_schema: str, *, extra: tuple[str, ...] = ()) -> list[dict]:
    """``body`` is an HSDS Page (exactly its fields and ``contents``) of valid items."""
    page = openapi()["components"]["schemas"]["Page"]
    assert set(body) == {*page["properties"], "contents"}
    Draft202012Validator(page).validate(body)
    for item in body["contents"]:
        assert_valid(item, item_schema, extra=extra)
    return body["contents"]


def get(client, path: str, **params) -> dict:
    response = client.get(f"/hsds/{path}", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def everything(client, path: str, **params) -> list[dict]:
    """All items of a list, through every page."""
    items, number = [], 1
    while True:
        body = get(client, path, page=number, per_page=100, **params)
        items += body["contents"]
        if body["last_page"]:
            return items
        number += 1


def ids(items: list[dict]) -> set[str]:
    return {item["id"] for item in items}


@pytest.fixture
def rich_service(athens):
    """A service with a row of every kind the export has, at Fokionos Negri (Kypseli)."""
    organization = Organization.objects.create(
        name="Kypseli Solidarity", website="https://example.org/", source="Test register"
    )
    service = Service.objects.create(
        organization=organization,
        name="Greek lessons for adults",
        description="Evening classes.",
        minimum_age=18,
        assured_date=datetime.date(2025, 3, 1),
        source_licence="CC BY 4.0",
    )
    service.categories.add(TaxonomyTerm.objects.get(code="education"))
    service.target_groups.add(TaxonomyTerm.objects.target_groups().first())
    service.languages.add(Language.objects.get(code="el"), Language.objects.get(code="ar"))
    location = Location.objects.create(
        name="Community centre",
        organization=organization,
        point=Point(*KYPSELI_FOKIONOS_NEGRI, srid=4326),
        address_1="Fokionos Negri 12",
        city="Athens",
        postal_code="113 61",
        accessibility="Step-free entrance.",
    )
    here = ServiceAtLocation.objects.create(service=service, location=location)
    Schedule.objects.create(
        service_at_location=here, weekday=2, opens_at="18:00", closes_at="21:00"
    )
    Schedule.objects.create(service=service, weekday=5, opens_at="22:00", closes_at="06:00")
    phone = Phone.objects.create(service=service, number="+30 210 000 0000", extension="12")
    phone.languages.add(Language.objects.get(code="en"))
    contact = Contact.objects.create(service=service, name="Desk", email="desk@example.org")
    Phone.objects.create(contact=contact, number="+30 210 000 0001")
    Contact.objects.create(organization=organization, name="Office")
    Phone.objects.create(location=location, number="+30 210 000 0002")
    RequiredDocument.objects.create(service=service, document="Any identity document")
    square = Polygon.from_bbox((23.73, 37.99, 23.75, 38.01))
    ServiceArea.objects.create(service=service, name="Kypseli", extent=MultiPolygon(square))
    return service


def test_root_names_version_profile_and_openapi(client, db):
    body = get(client, "")
    root = openapi()["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert set(body) == set(root["schema"]["properties"])
    assert body["version"] == "3.0"
    assert body["openapi_url"] == HSDS_OPENAPI_URL
    assert body["profile"].startswith("http://testserver/")
    assert client.get(body["profile"]).status_code == 200


def test_fully_nested_service(client, rich_service):
    body = get(client, f"services/{rich_service.pk}")
    assert_valid(body, "service")
    assert body["organization"]["website"] == "https://example.org/"
    assert body["minimum_age"] == 18 and body["assured_date"] == "2025-03-01"
    assert body["last_modified"].endswith("Z") and len(body["last_modified"]) == 24
    [sal] = body["service_at_locations"]
    location = sal["location"]
    assert (location["longitude"], location["latitude"]) == KYPSELI_FOKIONOS_NEGRI
    [address] = location["addresses"]
    assert (address["address_1"], address["postal_code"], address["country"]) == (
        "Fokionos Negri 12",
        "113 61",
        "GR",
    )
    assert address["state_province"] == ""  # required by HSDS, unknown to us
    assert location["accessibility"][0]["description"] == "Step-free entrance."
    assert [p["number"] for p in location["phones"]] == ["+30 210 000 0002"]
    links = {a["link_type"]: a for a in location["attributes"]}
    assert links[LINK_DISTRICT]["taxonomy_term"]["taxonomy_id"] == str(
        generated_taxonomy_id(DISTRICTS_TAXONOMY)
    )
    assert [s["byday"] for s in sal["schedules"]] == ["TU"]
    [night] = body["schedules"]
    assert (night["freq"], night["byday"], night["opens_at"], night["closes_at"]) == (
        "WEEKLY",
        "FR",
        "22:00:00",
        "06:00:00",
    )
    assert "timezone" not in night
    [phone] = body["phones"]
    assert phone["extension"] == 12 and [lang["code"] for lang in phone["languages"]] == ["en"]
    [contact] = body["contacts"]
    assert contact["phones"][0]["number"] == "+30 210 000 0001"
    assert sorted(lang["code"] for lang in body["languages"]) == ["ar", "el"]
    assert {lang["name"] for lang in body["languages"]} == {"Greek", "Arabic"}
    assert body["required_documents"][0]["document"] == "Any identity document"
    [area] = body["service_areas"]
    assert area["extent_type"] == "geojson"
    extent = GEOSGeometry(area["extent"])
    assert extent.geom_type == "MultiPolygon" and extent.extent == (23.73, 37.99, 23.75, 38.01)
    themes = [a for a in body["attributes"] if a["link_type"] == LINK_THEME]
    assert [a["taxonomy_term"]["code"] for a in themes] == ["education"]
    provenance = {a["taxonomy_term"]["code"]: a.get("value") for a in body["attributes"]}
    assert provenance["source-licence"] == "CC BY 4.0" and "demo" not in provenance


def test_every_published_object_validates(client, rich_service):
    """Every list, in every form, and every detail, over all the starting data."""
    assert_page(get(client, "services", per_page=5), "compiled/service_list")
    assert_page(get(client, "services", per_page=5, minimal="true"), "compiled/service_list")
    services = everything(client, "services", full="true")
    for service in services:
        assert_valid(service, "service")
    organizations = everything(client, "organizations", full_service="true")
    for organization in organizations:
        assert_valid(organization, "organization", extra=("services",))
        for service in organization["services"]:
            assert_valid(service, "service")
    assert_page(get(client, "organizations", per_page=5), "compiled/organization_list")
    body = get(client, "organizations", full="true", per_page=5)
    assert_page(body, "organization", extra=("services",))
    for service in body["contents"][0]["services"]:
        assert_valid(service, "compiled/service_list")
    assert_page(
        get(client, "service_at_locations", per_page=5), "compiled/service_at_location_list"
    )
    rows = everything(client, "service_at_locations", full="true")
    for row in rows:
        assert_valid(row, "service_at_location", extra=("service",))
        assert_valid(row["service"], "compiled/service_list")
    assert_page(get(client, "taxonomies"), "taxonomy")
    assert_page(get(client, "taxonomy_terms", per_page=1000), "taxonomy_term")
    # Details equal the objects the lists nest.
    service = next(s for s in services if s["id"] == str(rich_service.pk))
    assert get(client, f"services/{service['id']}") == service
    organization = next(o for o in organizations if o["id"] == service["organization_id"])
    assert get(client, f"organizations/{organization['id']}", full_service="true") == organization
    detail = get(client, f"organizations/{organization['id']}")
    assert_valid(detail, "organization", extra=("services",))
    assert [s["name"] for s in detail["services"]] == ["Greek lessons for adults"]
    sal = service["service_at_locations"][0]
    assert_valid(
        get(client, f"service_at_locations/{sal['id']}"), "service_at_location", extra=("service",)
    )
    for taxonomy in get(client, "taxonomies")["contents"]:
        assert get(client, f"taxonomies/{taxonomy['id']}") == taxonomy
    term = get(client, "taxonomy_terms", per_page=1)["contents"][0]
    assert get(client, f"taxonomy_terms/{term['id']}") == term
    # The whole directory is there, once.
    assert len(services) == len(ids(services)) == Service.objects.active().count()


def test_demo_records_are_published_with_their_demo_attribute(client, athens):
    demo_term = str(provenance_term_id("demo"))
    demo = get(client, "services", taxonomy_term_id=demo_term, per_page=100)["contents"]
    assert {s["id"] for s in demo} == {
        str(pk) for pk in Service.objects.active().filter(is_demo=True).values_list("pk", flat=True)
    }
    service = get(client, f"services/{demo[0]['id']}")
    [flag] = [a for a in service["attributes"] if a["taxonomy_term_id"] == demo_term]
    assert (flag["value"], flag["link_entity"]) == ("true", "service")


def test_inactive_services_are_not_published(client, rich_service):
    rich_service.status = "defunct"
    rich_service.save()
    assert client.get(f"/hsds/services/{rich_service.pk}").status_code == 404
    assert str(rich_service.pk) not in ids(everything(client, "services"))
    # Its organisation provides nothing else, but still holds a place... no longer published.
    organization = rich_service.organization_id
    assert client.get(f"/hsds/organizations/{organization}").status_code == 404
    sal = rich_service.service_at_locations.get()
    assert client.get(f"/hsds/service_at_locations/{sal.pk}").status_code == 404


def test_filters_narrow(client, rich_service):
    health = TaxonomyTerm.objects.get(taxonomy__slug=THEMES_TAXONOMY, code="health")
    by_theme = ids(everything(client, "services", taxonomy_term_id=str(health.pk)))
    assert by_theme == {
        str(pk) for pk in Service.objects.active().in_theme("health").values_list("pk", flat=True)
    }
    assert len(by_theme) > 20  # a theme covers its subcategories
    themes = Taxonomy.objects.get(slug=THEMES_TAXONOMY)
    any_theme = ids(everything(client, "services", taxonomy_id=str(themes.pk)))
    assert by_theme < any_theme
    district_term = str(district_term_id("athens", 6))
    in_district = ids(everything(client, "services", taxonomy_term_id=district_term))
    assert str(rich_service.pk) in in_district  # Fokionos Negri is in the 6th district
    assert in_district == {
        str(pk) for pk in Service.objects.active().in_district(6).values_list("pk", flat=True)
    }
    both = ids(
        everything(client, "services", taxonomy_term_id=str(health.pk), taxonomy_id=str(themes.pk))
    )
    assert both == by_theme
    health_in_six = ids(
        everything(client, "services", taxonomy_term_id=district_term, search="υγεια")
    )
    searched = ids(everything(client, "services", search="υγεια"))
    assert health_in_six == in_district & searched and health_in_six
    organization = str(rich_service.organization_id)
    assert ids(everything(client, "services", organization_id=organization)) == {
        str(rich_service.pk)
    }
    assert everything(client, "services", organization_id=str(uuid.uuid4())) == []
    assert everything(client, "services", taxonomy_term_id=str(uuid.uuid4())) == []
    Service.objects.exclude(pk=rich_service.pk).update(
        last_modified=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    recent = everything(client, "services", modified_after="2024-06-01T12:00:00+03:00")
    assert ids(recent) == {str(rich_service.pk)}
    rows = everything(client, "service_at_locations", taxonomy_term_id=district_term)
    assert {row["location"]["id"] for row in rows} <= set(
        str(pk) for pk in Location.objects.filter(district__number=6).values_list("pk", flat=True)
    )


def test_search_orders_by_match(client, athens):
    found = everything(client, "services", search="υγεια")
    expected = Service.objects.active().search("υγεια")
    assert ids(found) == {str(pk) for pk in expected.values_list("pk", flat=True)} and found
    organizations = everything(client, "organizations", search="υγεια")
    assert {s["organization_id"] for s in found} == ids(organizations)


def test_paging(client, athens):
    total = Service.objects.active().count()
    first = get(client, "services", per_page=7)
    assert (first["total_items"], first["total_pages"]) == (total, math.ceil(total / 7))
    assert (first["page_number"], first["size"], first["first_page"], first["last_page"]) == (
        1,
        7,
        True,
        False,
    )
    last = get(client, "services", per_page=7, page=first["total_pages"])
    assert last["last_page"] and not last["first_page"]
    assert last["size"] == total - 7 * (first["total_pages"] - 1)
    beyond = get(client, "services", per_page=7, page=first["total_pages"] + 1)
    assert (beyond["empty"], beyond["size"], beyond["contents"]) == (True, 0, [])
    pages = [
        get(client, "services", per_page=7, page=n)["contents"]
        for n in range(1, first["total_pages"] + 1)
    ]
    listed = [item["id"] for page in pages for item in page]
    assert listed == sorted(listed) and len(set(listed)) == total  # by id, each once
    nothing = get(client, "services", organization_id=str(uuid.uuid4()))
    assert (nothing["total_items"], nothing["total_pages"], nothing["empty"]) == (0, 0, True)


def test_proximity_is_nearest_first_around_a_postcode(client, athens):
    codes = Counter(
        code.replace(" ", "")
        for code in Location.objects.filter(service_at_locations__service__status="active")
        .exclude(postal_code="")
        .values_list("postal_code", flat=True)
    )
    postcode, count = codes.most_common(1)[0]
    assert count >= 2
    at_postcode = everything(client, "service_at_locations", postcode=postcode, full="true")
    assert len(at_postcode) >= count
    assert {r["location"]["addresses"][0]["postal_code"].replace(" ", "") for r in at_postcode} == {
        postcode
    }
    points = [(r["location"]["longitude"], r["location"]["latitude"]) for r in at_postcode]
    centre = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
    near = everything(client, "service_at_locations", postcode=postcode, proximity=1500)
    distances = [
        haversine_m(centre, (r["location"]["longitude"], r["location"]["latitude"])) for r in near
    ]
    assert len(near) > len(at_postcode)  # places nearby with other postcodes too
    assert all(d <= 1500 * 1.005 for d in distances)
    # Nearest first (PostGIS on the spheroid, haversine on a sphere: ties may swap by < 1 m).
    assert all(b >= a - 1 for a, b in itertools.pairwise(distances))
    assert everything(client, "service_at_locations", postcode="99999", proximity=500) == []


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("services", {"colour": "red"}, "colour"),
        ("services", {"taxonomy_term_id": "health"}, "taxonomy_term_id"),
        ("services", {"organization_id": "42"}, "organization_id"),
        ("services", {"modified_after": "yesterday"}, "modified_after"),
        ("services", {"per_page": "0"}, "per_page"),
        ("services", {"per_page": "1001"}, "per_page"),
        ("services", {"page": "0"}, "page"),
        ("services", {"format": "ndjson"}, "format"),
        ("services", {"minimal": "true", "full": "true"}, "non_field_errors"),
        ("services", {"full": "perhaps"}, "full"),
        ("service_at_locations", {"proximity": "500"}, "proximity"),
        ("service_at_locations", {"postcode": "11361", "proximity": "-5"}, "proximity"),
        ("organizations", {"taxonomy_id": str(uuid.uuid4())}, "taxonomy_id"),
        ("taxonomy_terms", {"parent_id": "x"}, "parent_id"),
        ("taxonomies", {"top_only": "true"}, "top_only"),
        ("", {"page": "1"}, "page"),
    ],
)
def test_bad_parameters_are_400_with_a_reason(client, athens, path, params, field):
    response = client.get(f"/hsds/{path}", params)
    assert response.status_code == 400
    assert field in response.json() and response.json()[field][0]


def test_repeated_parameter_and_detail_parameters_are_400(client, rich_service):
    response = client.get("/hsds/services?page=1&page=2")
    assert response.status_code == 400 and "page" in response.json()
    response = client.get(f"/hsds/services/{rich_service.pk}?full=true")
    assert response.status_code == 400 and "full" in response.json()


@pytest.mark.parametrize(
    "path", ["services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"]
)
@pytest.mark.parametrize("ident", [str(uuid.uuid4()), "not-a-uuid"])
def test_unknown_ids_are_json_404(client, athens, path, ident):
    response = client.get(f"/hsds/{path}/{ident}")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_taxonomies_and_terms_include_the_generated_ones(client, athens):
    taxonomies = {t["name"] for t in get(client, "taxonomies")["contents"]}
    assert {"Hartis themes", "Municipal districts a location lies in"} <= taxonomies
    districts = str(generated_taxonomy_id(DISTRICTS_TAXONOMY))
    terms = everything(client, "taxonomy_terms", taxonomy_id=districts)
    assert sorted(t["code"] for t in terms) == [f"athens-{n}" for n in range(1, 8)]
    assert terms[0]["taxonomy_detail"]["id"] == districts
    themes = Taxonomy.objects.get(slug=THEMES_TAXONOMY)
    top = everything(client, "taxonomy_terms", taxonomy_id=str(themes.pk), top_only="true")
    assert sorted(t["code"] for t in top) == sorted(
        TaxonomyTerm.objects.themes().values_list("code", flat=True)
    )
    health = TaxonomyTerm.objects.get(taxonomy=themes, code="health")
    children = everything(client, "taxonomy_terms", parent_id=str(health.pk))
    assert children and {t["parent_id"] for t in children} == {str(health.pk)}
    assert [t["code"] for t in everything(client, "taxonomy_terms", search="HEALTH")][:1]
    codes = [t["code"] for t in everything(client, "taxonomy_terms")]
    assert len(codes) == len(set(codes))  # HSDS: term codes unique in the table


def _queries(client, path: str, **params) -> int:
    with CaptureQueriesContext(connection) as context:
        get(client, path, **params)
    return len(context.captured_queries)


# Worst cases, every relation present: each prefetch is one query (phones bring their languages,
# contacts their phones); a service in full 2 + 23, an organisation's services in full 23 more.
@pytest.mark.parametrize(
    ("path", "params", "budget"),
    [
        ("services", {}, 2),
        ("services", {"minimal": "true"}, 2),
        ("services", {"full": "true"}, 25),
        ("service_at_locations", {}, 2),
        ("service_at_locations", {"full": "true"}, 12),
        ("organizations", {}, 2),
        ("organizations", {"full": "true"}, 14),
        ("organizations", {"full_service": "true"}, 37),
        ("taxonomies", {}, 1),
        ("taxonomy_terms", {}, 4),
    ],
)
def test_query_count_does_not_grow_with_the_page(client, rich_service, path, params, budget):
    """All of the directory in one page costs at most ``budget`` queries, as a page of one does
    (which may cost fewer: prefetches of relations a page does not hold are skipped)."""
    one = _queries(client, path, per_page=1, **params)
    everything_at_once = _queries(client, path, per_page=1000, **params)
    assert one <= everything_at_once <= budget


def test_hsds_endpoints_are_in_the_project_openapi(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/hsds/", "/hsds/services", "/hsds/services/{id}", "/hsds/taxonomy_terms/{id}"):
        assert path in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/hsds/services"]["get"]["parameters"]}
    hsds = openapi()["paths"]["/services"]["get"]["parameters"]
    names = {
        openapi()["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"] for p in hsds
    }
    assert parameters == names
