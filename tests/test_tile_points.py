"""The services tiles' own tables (layers.ServicePoint, layers.ClusterCell): a full refresh
equals a fresh recomputation by hand SQL, each kind of change kept incrementally equals a full
rebuild, the point filters are the directory's rules, and a tile from the stored counts is the
tile counted live."""

import datetime
import math
import random
import uuid
from zoneinfo import ZoneInfo

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from layers.models import ClusterCell, ServicePoint
from layers.tiles import points, pyramid
from layers.tiles.grid import WORLD_HALF_WIDTH, TileAddress, pixel_size
from layers.tiles.service_sql import point_filters, services_sql
from mapping.models import (
    Language,
    Location,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from mapping.search import SearchCriteria
from tests.conftest import KYPSELI_FOKIONOS_NEGRI, PAGKRATI_PLATEIA_VARNAVA, SYNTAGMA

H = WORLD_HALF_WIDTH


def rows(query: str, params: dict | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params or {})
        return cursor.fetchall()


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


@pytest.fixture(autouse=True)
def _empty_tile_cache(db):
    caches["tiles"].clear()


# ---------------------------------------------------------------------------------------------
# A full refresh against hand SQL

# Every located service-at-location of an active service, written independently of
# layers.tiles.points (correlated subqueries instead of grouped joins).
HAND_POINTS = """
SELECT sal.id, sal.service_id, ST_X(ST_Transform(l.point, 3857)), ST_Y(ST_Transform(l.point, 3857)),
       (SELECT string_agg(DISTINCT coalesce(parent.code, term.code), ','
                          ORDER BY coalesce(parent.code, term.code))
        FROM mapping_service_categories AS c
        JOIN mapping_taxonomyterm AS term ON term.id = c.taxonomyterm_id
        LEFT JOIN mapping_taxonomyterm AS parent ON parent.id = term.parent_id
        WHERE c.service_id = s.id),
       ARRAY(SELECT DISTINCT code FROM (
                 SELECT term.code FROM mapping_service_categories AS c
                 JOIN mapping_taxonomyterm AS term ON term.id = c.taxonomyterm_id
                 JOIN mapping_taxonomy AS x ON x.id = term.taxonomy_id
                 WHERE c.service_id = s.id AND x.slug = 'hartis-themes'
                 UNION
                 SELECT parent.code FROM mapping_service_categories AS c
                 JOIN mapping_taxonomyterm AS term ON term.id = c.taxonomyterm_id
                 JOIN mapping_taxonomy AS x ON x.id = term.taxonomy_id
                 JOIN mapping_taxonomyterm AS parent ON parent.id = term.parent_id
                 WHERE c.service_id = s.id AND x.slug = 'hartis-themes') AS codes(code)
             ORDER BY 1),
       ARRAY(SELECT language.code::text FROM mapping_service_languages AS c
             JOIN mapping_language AS language ON language.id = c.language_id
             WHERE c.service_id = s.id ORDER BY 1),
       ARRAY(SELECT term.code::text FROM mapping_service_target_groups AS c
             JOIN mapping_taxonomyterm AS term ON term.id = c.taxonomyterm_id
             WHERE c.service_id = s.id ORDER BY 1),
       o.organization_type, s.is_free, s.is_demo,
       ARRAY(SELECT DISTINCT m.slug || '/' || d.number FROM mapping_serviceatlocation AS other
             JOIN mapping_location AS ol ON ol.id = other.location_id
             JOIN geodata_district AS d ON d.id = ol.district_id
             JOIN geodata_municipality AS m ON m.id = d.municipality_id
             WHERE other.service_id = s.id ORDER BY 1),
       ARRAY(SELECT DISTINCT m.slug || '/' || n.slug FROM mapping_serviceatlocation AS other
             JOIN mapping_location AS ol ON ol.id = other.location_id
             JOIN geodata_neighbourhood AS n ON n.id = ol.neighbourhood_id
             JOIN geodata_municipality AS m ON m.id = n.municipality_id
             WHERE other.service_id = s.id ORDER BY 1)
FROM mapping_serviceatlocation AS sal
JOIN mapping_location AS l ON l.id = sal.location_id
JOIN mapping_service AS s ON s.id = sal.service_id
JOIN mapping_organization AS o ON o.id = s.organization_id
WHERE s.status = 'active' AND l.point IS NOT NULL
"""

STORED_POINTS = """
SELECT id, service_id, ST_X(geom), ST_Y(geom), themes, category_codes, language_codes,
       target_group_codes, organization_type, is_free, is_demo, districts, neighbourhoods, cell
FROM layers_servicepoint
"""

TOP_THEMES = """
SELECT term.code FROM mapping_taxonomyterm AS term
JOIN mapping_taxonomy AS x ON x.id = term.taxonomy_id
WHERE x.slug = 'hartis-themes' AND term.parent_id IS NULL
"""


def cell_key(x: float, y: float, z: int) -> int:
    """The Morton key of the 32-px cell at zoom ``z`` holding EPSG:3857 (x, y), computed at
    that zoom (not by shifting the zoom-16 key)."""
    side = pixel_size(z) * 32
    return pyramid.morton(math.floor((x + H) / side), math.floor((y + H) / side))


def hand_points() -> dict:
    return {row[0]: row[1:] for row in rows(HAND_POINTS)}


def stored_points() -> dict:
    return {row[0]: row[1:] for row in rows(STORED_POINTS)}


def hand_pyramid() -> dict:
    """The stored cells as counted from the directory (hand SQL and the grid's definition)."""
    top = {code for (code,) in rows(TOP_THEMES)}
    cells: dict = {}
    for _service, x, y, _themes, codes, *_rest in hand_points().values():
        for theme in ["", *sorted(top & set(codes))]:
            for level in pyramid.LEVELS:
                key = (level, theme, cell_key(x, y, level))
                count, sum_x, sum_y = cells.get(key, (0, 0.0, 0.0))
                cells[key] = (count + 1, sum_x + x, sum_y + y)
    return cells


def stored_pyramid() -> dict:
    return {
        (c.level, c.theme, c.cell): (c.count, c.sum_x, c.sum_y) for c in ClusterCell.objects.all()
    }


def assert_same_cells(stored: dict, expected: dict) -> None:
    assert stored.keys() == expected.keys()
    for key, (count, sum_x, sum_y) in expected.items():
        assert stored[key][0] == count, key
        assert stored[key][1:] == pytest.approx((sum_x, sum_y), rel=1e-12), key


def test_morton_keys_are_the_same_in_sql_and_python(db):
    rng = random.Random(7)
    cells = [(0, 0), (1, 0), (0, 1), (2**19 - 1, 2**19 - 1)]
    cells += [(rng.randrange(2**19), rng.randrange(2**19)) for _ in range(200)]
    found = rows(
        "SELECT hartis_morton(x, y) FROM unnest(%(x)s::int[], %(y)s::int[]) AS c(x, y)",
        {"x": [x for x, _ in cells], "y": [y for _, y in cells]},
    )
    assert [key for (key,) in found] == [pyramid.morton(x, y) for x, y in cells]
    assert pyramid.morton(3, 0) == 0b0101 and pyramid.morton(0, 1) == 0b10


def test_a_full_refresh_is_a_fresh_recomputation(athens):
    points.rebuild()
    expected = hand_points()
    stored = stored_points()
    assert len(expected) > 100  # the demo and starting data
    assert stored.keys() == expected.keys()
    for sal_id, (*columns, cell) in stored.items():
        service, x, y, *rest = expected[sal_id]
        assert (columns[0], *columns[3:]) == (service, *rest), sal_id
        assert columns[1:3] == pytest.approx((x, y), abs=1e-6)
        assert cell == cell_key(x, y, pyramid.CELL_ZOOM)
    assert_same_cells(stored_pyramid(), hand_pyramid())


# ---------------------------------------------------------------------------------------------
# Kept incrementally: each change, then a full rebuild, gives the same tables


def state() -> tuple[dict, dict]:
    return stored_points(), stored_pyramid()


def assert_as_rebuilt() -> None:
    kept_points, kept_cells = state()
    points.rebuild()
    rebuilt_points, rebuilt_cells = state()
    assert kept_points == rebuilt_points
    assert_same_cells(kept_cells, rebuilt_cells)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block as if its transaction committed (the on_commit refresh runs)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def desk(athens, make_service, committed):
    with committed():
        service = make_service("Tile desk", at=SYNTAGMA, is_free=True)
        service.categories.add(*TaxonomyTerm.objects.filter(code__in=["health-mental", "legal"]))
        service.languages.add(*Language.objects.filter(code__in=["fa", "ar"]))
        service.target_groups.add(TaxonomyTerm.objects.target_groups().first())
    return service


def test_a_new_service_is_kept(desk):
    point = ServicePoint.objects.get(service_id=desk.pk)
    assert point.category_codes == ["health", "health-mental", "legal"]
    assert point.themes == "health,legal"
    assert point.language_codes == ["ar", "fa"]
    assert point.districts == ["athens/1"]
    assert point.is_free is True
    assert_as_rebuilt()


def test_a_moved_place_is_kept(desk, committed):
    location = Location.objects.get(service_at_locations__service=desk)
    with committed():
        location.point = Point(*PAGKRATI_PLATEIA_VARNAVA, srid=4326)
        location.save()
    assert ServicePoint.objects.get(service_id=desk.pk).districts == ["athens/2"]
    assert_as_rebuilt()


def test_a_deactivated_and_a_deleted_service_leave(desk, committed, make_service):
    other = make_service("Short-lived desk", at=KYPSELI_FOKIONOS_NEGRI)
    with committed():
        desk.status = "inactive"
        desk.save()
        other.delete()
    assert not ServicePoint.objects.filter(service_id__in=[desk.pk, other.pk]).exists()
    assert_as_rebuilt()
    with committed():
        desk.status = "active"
        desk.save()
    assert ServicePoint.objects.filter(service_id=desk.pk).exists()
    assert_as_rebuilt()


def test_links_organisations_and_terms_are_kept(desk, committed):
    with committed():
        desk.categories.remove(TaxonomyTerm.objects.get(code="legal"))
        desk.languages.clear()
        desk.organization.organization_type = "un_agency"
        desk.organization.save()
    point = ServicePoint.objects.get(service_id=desk.pk)
    assert (point.themes, point.language_codes) == ("health", [])
    assert point.organization_type == "un_agency"
    assert_as_rebuilt()
    # A subcategory moved under another theme: every service filed under it follows.
    term = TaxonomyTerm.objects.get(code="health-mental")
    with committed():
        term.parent = TaxonomyTerm.objects.get(code="legal")
        term.save()
    assert ServicePoint.objects.get(service_id=desk.pk).themes == "legal"
    assert_as_rebuilt()
    with committed():
        desk.languages.add(Language.objects.get(code="fa"))
        Language.objects.filter(code="fa").update(code="prs-fa")
        Language.objects.get(code="prs-fa").save()
    assert ServicePoint.objects.get(service_id=desk.pk).language_codes == ["prs-fa"]
    assert_as_rebuilt()


def test_a_bulk_import_is_kept(athens, committed):
    from mapping.actions.imports import import_service_records
    from mapping.importers.records import (
        LocationRecord,
        OrganizationRecord,
        RecordSource,
        ServiceRecord,
    )

    source = RecordSource(name="tile test", licence="CC0")
    org = OrganizationRecord(key="o", name="Import org", organization_type="local_ngo")

    def record(key: str, lon: float, lat: float, categories: tuple[str, ...]) -> ServiceRecord:
        place = LocationRecord(key=f"p-{key}", name=f"Place {key}", lon=lon, lat=lat)
        return ServiceRecord(
            key=key,
            name=f"Imported {key}",
            organization=org,
            location=place,
            categories=categories,
            languages=("en",),
        )

    with committed():
        import_service_records(
            [record("a", *SYNTAGMA, ("health",)), record("b", *KYPSELI_FOKIONOS_NEGRI, ())],
            source=source,
        )
    assert ServicePoint.objects.filter(organization_type="local_ngo").count() >= 2
    assert_as_rebuilt()
    with committed():  # a again, moved and re-filed; b no longer published
        import_service_records(
            [record("a", *PAGKRATI_PLATEIA_VARNAVA, ("legal-asylum",))], source=source, sync=True
        )
    imported = ServicePoint.objects.filter(service_id__in=Service.objects.from_source("tile test"))
    assert [(p.themes, p.districts) for p in imported] == [("legal", ["athens/2"])]
    assert_as_rebuilt()


def test_writes_show_in_the_same_transaction_before_commit(athens, make_service, client):
    """No on_commit runs inside a test: a tile made on the writing connection applies its
    pending changes first (read your own writes)."""
    service = make_service("Uncommitted desk", at=SYNTAGMA)
    z, x, y = tile_of(*SYNTAGMA, 18)
    layer = mapbox_vector_tile.decode(
        client.get(reverse("tile", args=["services", z, x, y])).content
    )
    assert str(service.pk) in {f["properties"]["service_id"] for f in layer["services"]["features"]}
    assert ServicePoint.objects.filter(service_id=service.pk).exists()


# ---------------------------------------------------------------------------------------------
# Filters on the points are the directory's rules

ATHENS_TZ = ZoneInfo("Europe/Athens")
TUESDAY_10AM = datetime.datetime(2026, 3, 3, 10, 0, tzinfo=ATHENS_TZ)


@pytest.mark.parametrize(
    "criteria",
    [
        SearchCriteria(),
        SearchCriteria(theme="health"),
        SearchCriteria(theme="legal-asylum"),
        SearchCriteria(language="fa"),
        SearchCriteria(language="ar", theme="legal"),
        SearchCriteria(target_group="women"),
        SearchCriteria(organization_type="municipal"),
        SearchCriteria(district=1),
        SearchCriteria(neighbourhood="pagkrati"),
        SearchCriteria(free=True),
        SearchCriteria(include_demo=False),
        SearchCriteria(open_at=TUESDAY_10AM),
        SearchCriteria(text="asylum"),
        SearchCriteria(text="asylum", theme="legal", open_at=TUESDAY_10AM),
        SearchCriteria(remote=True),
    ],
    ids=lambda c: (
        ",".join(f"{k}={v}" for k, v in vars(c).items() if v != getattr(SearchCriteria(), k))
        or "none"
    ),
)
def test_point_filters_are_the_directorys_rules(athens, criteria):
    points.rebuild()
    filters = point_filters(criteria)
    found = rows(
        f"SELECT p.id FROM layers_servicepoint AS p WHERE {filters.sql().as_string()}",
        filters.params,
    )
    services = criteria.services().remote() if criteria.remote else criteria.services()
    expected = ServiceAtLocation.objects.filter(
        service__in=services, location__point__isnull=False
    ).values_list("id", flat=True)
    assert {sal_id for (sal_id,) in found} == set(expected)
    assert expected or criteria.remote  # every rule is tested on some data


# ---------------------------------------------------------------------------------------------
# Tiles from the stored counts


def tile_features(address: TileAddress, criteria: SearchCriteria, stored: bool) -> list:
    query, params = services_sql(address, criteria, ["en", "el"], stored=stored)
    (content,) = rows(query, params)[0]
    layer = mapbox_vector_tile.decode(bytes(content or b"")).get("services", {})
    return layer.get("features", [])


@pytest.mark.parametrize("theme", ["", "health", "legal", "legal-asylum"])
@pytest.mark.parametrize("z", [6, 10, 11, 12])
def test_a_tile_from_the_stored_counts_is_the_tile_counted_live(athens, theme, z):
    points.rebuild()
    address = TileAddress(*tile_of(*SYNTAGMA, z))
    criteria = SearchCriteria(theme=theme)
    stored = tile_features(address, criteria, stored=True)
    live = tile_features(address, criteria, stored=False)
    assert stored
    assert stored == live
    if not theme:
        # Every active located service in the tile, once: SELECT count(*) … (as test_tiles)
        (expected,) = rows(
            """
            SELECT count(*) FROM mapping_serviceatlocation sal
            JOIN mapping_location l ON l.id = sal.location_id
            JOIN mapping_service s ON s.id = sal.service_id
            WHERE s.status = 'active' AND ST_Intersects(ST_Transform(l.point, 3857),
                  ST_TileEnvelope(%(z)s, %(x)s, %(y)s))
            """,
            vars(address),
        )[0]
        assert sum(f["properties"]["count"] for f in stored) == expected
    if z == 12:  # clusters of one are drawn as markers, looked up by their cell
        singles = [f for f in stored if f["properties"]["count"] == 1]
        assert singles and all("service_id" in f["properties"] for f in singles)


def test_which_tiles_read_the_stored_counts(athens):
    def statement(z: int, **criteria: object) -> str:
        address = TileAddress(*tile_of(*SYNTAGMA, z))
        return services_sql(address, SearchCriteria(**criteria), ["en"])[0]

    assert "layers_clustercell" in statement(12)
    assert "layers_clustercell" in statement(12, theme="health")
    assert "gate" in statement(12, theme="health")  # a subcategory falls to counting live
    for z, criteria in [(13, {}), (12, {"language": "fa"}), (12, {"include_demo": False})]:
        assert "layers_clustercell" not in statement(z, **criteria)


def test_query_budget_of_a_tile_from_the_stored_counts(
    client, athens, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr("layers.tiles.backend.CULL_EVERY", 10**9)  # no culling in the count
    z, x, y = tile_of(*SYNTAGMA, 11)
    client.get(reverse("tile", args=["services", z, x + 1, y]), {"lang": "en"})  # a token
    path = reverse("tile", args=["services", z, x, y])
    with django_assert_num_queries(3):  # cache read (token + entry), ST_AsMVT, cache write
        made = client.get(path, {"lang": "en"})
    assert made.status_code == 200
    with django_assert_num_queries(1):
        assert client.get(path, {"lang": "en"}).content == made.content


def test_refresh_tiles_rebuilds_and_reports(athens, capsys):
    ClusterCell.objects.all().delete()
    ServicePoint.objects.all().delete()
    call_command("refresh_tiles")
    assert "points" in capsys.readouterr().out
    assert ServicePoint.objects.count() == len(hand_points())
    assert_same_cells(stored_pyramid(), hand_pyramid())


def test_sal_ids_are_point_ids(athens):
    points.rebuild()
    ids = set(ServicePoint.objects.values_list("id", flat=True))
    assert ids <= set(ServiceAtLocation.objects.values_list("id", flat=True))
    assert all(isinstance(i, uuid.UUID) for i in ids)
