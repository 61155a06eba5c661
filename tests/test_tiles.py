"""Vector tiles: MVT 2.1 validity (decoded with mapbox-vector-tile), counts against hand SQL,
the API's filters and refusals, ETag/304, query budgets, and a cache that is never stale."""

import math
import uuid

import mapbox_vector_tile
import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.urls import reverse
from mapbox_vector_tile.Mapbox import vector_tile_pb2
from psycopg import sql

from layers.models import CoverageResult
from layers.tiles import render_tile, tile_sql
from layers.tiles.sql import CLUSTER_BELOW_ZOOM, MARKER_BUFFER
from mapping.conf import hartis_options
from mapping.models import Location, Service, ServiceAtLocation, ServiceTranslation, TaxonomyTerm
from tests.conftest import PAGKRATI_PLATEIA_VARNAVA, SYNTAGMA

MVT = "application/vnd.mapbox-vector-tile"


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The XYZ tile (EPSG:3857 grid) holding a WGS84 point."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def url(layer: str, z: int, x: int, y: int) -> str:
    return reverse("tile", args=[layer, z, x, y])


def decode(content: bytes) -> dict:
    """Layers as tile coordinates, y down (as encoded), not flipped to y up."""
    return mapbox_vector_tile.decode(content, default_options={"y_coord_down": True})


def count(query: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


@pytest.fixture(autouse=True)
def _empty_tile_cache(db):
    caches["tiles"].clear()


@pytest.fixture
def planner(client, django_user_model):
    user = django_user_model.objects.create_user("planner")
    user.user_permissions.add(Permission.objects.get(codename="view_detailed_coverage"))
    client.force_login(user)
    return client


@pytest.fixture
def at_syntagma(athens, make_service):
    """Three services at one place on Syntagma and one a little way off."""
    services = [make_service(f"Syntagma desk {n}", at=SYNTAGMA) for n in range(2)]
    services.append(make_service("Syntagma corner", at=(SYNTAGMA[0] + 0.0004, SYNTAGMA[1])))
    return services


# ---------------------------------------------------------------------------------------------
# MVT validity and counts


def test_services_tile_over_syntagma_counts_every_service_at_every_place(client, at_syntagma):
    z, x, y = tile_of(*SYNTAGMA, CLUSTER_BELOW_ZOOM)
    response = client.get(url("services", z, x, y))
    assert response.status_code == 200
    assert response["Content-Type"] == MVT
    layer = decode(response.content)["services"]
    assert layer["version"] == 2
    assert layer["extent"] == 4096
    # SELECT count(*) FROM mapping_serviceatlocation sal
    # JOIN mapping_location l ON l.id = sal.location_id JOIN mapping_service s ON ...
    # WHERE s.status = 'active' AND ST_Intersects(ST_Transform(l.point, 3857),
    #       ST_TileEnvelope(z, x, y, margin => 256 / 4096.0))  -- the markers' buffer
    expected = count(
        """
        SELECT count(*) FROM mapping_serviceatlocation sal
        JOIN mapping_location l ON l.id = sal.location_id
        JOIN mapping_service s ON s.id = sal.service_id
        WHERE s.status = 'active' AND ST_Intersects(ST_Transform(l.point, 3857),
              ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s))
        """,
        {"z": z, "x": x, "y": y, "margin": MARKER_BUFFER / 4096},
    )
    assert expected >= 3
    assert len(layer["features"]) == expected
    names = {f["properties"]["name"] for f in layer["features"]}
    assert {"Syntagma desk 0", "Syntagma desk 1", "Syntagma corner"} <= names


def test_a_marker_carries_small_properties_and_a_stable_id(client, at_syntagma):
    service = at_syntagma[0]
    service.categories.add(TaxonomyTerm.objects.get(code="health"))
    sal = ServiceAtLocation.objects.get(service=service)
    z, x, y = tile_of(*SYNTAGMA, 18)
    layer = decode(client.get(url("services", z, x, y)).content)["services"]
    (feature,) = [f for f in layer["features"] if f["properties"]["service_id"] == str(service.pk)]
    assert feature["properties"] == {
        "service_id": str(service.pk),
        "name": "Syntagma desk 0",
        "themes": "health",
        "is_demo": False,
        "count": 1,
    }
    assert feature["id"] == int(sal.pk.hex[:15], 16)  # the first 60 bits of its uuid


def test_below_zoom_17_near_places_are_counted_clusters(client, at_syntagma):
    z, x, y = tile_of(*SYNTAGMA, 14)
    layer = decode(client.get(url("services", z, x, y)).content)["services"]
    # Every located row of an active service strictly inside the tile is in one cluster:
    # SELECT count(*) … WHERE ST_Intersects(ST_Transform(l.point, 3857), ST_TileEnvelope(z, x, y))
    expected = count(
        """
        SELECT count(*) FROM mapping_serviceatlocation sal
        JOIN mapping_location l ON l.id = sal.location_id
        JOIN mapping_service s ON s.id = sal.service_id
        WHERE s.status = 'active'
          AND ST_Intersects(ST_Transform(l.point, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s))
        """,
        {"z": z, "x": x, "y": y},
    )
    counts = [f["properties"]["count"] for f in layer["features"]]
    assert sum(counts) == expected
    assert len(counts) <= 64  # one per 32-px cell at most
    assert any(n >= 3 for n in counts)  # the Syntagma places share a cell
    for feature in layer["features"]:
        x_, y_ = feature["geometry"]["coordinates"]
        assert 256 <= x_ <= 4096 - 256 and 256 <= y_ <= 4096 - 256  # a marker fits in
        if feature["properties"]["count"] > 1:
            assert "service_id" not in feature["properties"]  # a cluster is only a count


def test_names_follow_lang_with_the_sites_fallbacks(client, at_syntagma):
    service = at_syntagma[0]
    ServiceTranslation.objects.create(service=service, language="ar", name="مكتب سينتاغما")
    z, x, y = tile_of(*SYNTAGMA, 18)

    def name(lang: str) -> str:
        response = client.get(url("services", z, x, y), {"lang": lang})
        layer = decode(response.content)["services"]
        by_id = {f["properties"]["service_id"]: f["properties"]["name"] for f in layer["features"]}
        return by_id[str(service.pk)]

    assert name("ar") == "مكتب سينتاغما"
    assert name("fa") == "Syntagma desk 0"  # no Farsi: the original (Greek by default)


def test_filters_are_the_search_apis(client, athens):
    """A filtered tile holds exactly the API's located results that fall in it."""
    params = {"theme": "health", "language": "fa"}
    api = client.get(reverse("service-list-api"), {**params, "limit": 100}).json()
    assert api["count_is_exact"]
    places = [f for f in api["features"] if f["geometry"]]
    assert places
    found = set()
    for feature in places:
        z, x, y = tile_of(*feature["geometry"]["coordinates"], CLUSTER_BELOW_ZOOM)
        layer = decode(client.get(url("services", z, x, y), params).content)["services"]
        found |= {f["id"] for f in layer["features"]}
    assert found == {int(uuid.UUID(f["id"]).hex[:15], 16) for f in places}


def test_remote_only_is_an_empty_tile(client, at_syntagma):
    z, x, y = tile_of(*SYNTAGMA, 18)
    response = client.get(url("services", z, x, y), {"remote": "true"})
    assert response.status_code == 204
    assert response.content == b""


# ---------------------------------------------------------------------------------------------
# Polygons


def ring_area(ring: list[list[float]]) -> float:
    """Surveyor's formula in tile coordinates (y down): positive for a ring that is clockwise
    on screen, which MVT 2.1 requires of exterior rings."""
    pairs = zip(ring, ring[1:] + ring[:1], strict=True)  # closed or not, the same sum
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs) / 2


def polygons(geometry: dict) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    assert geometry["type"] == "MultiPolygon"
    return geometry["coordinates"]


@pytest.mark.parametrize("layer", ["districts", "neighbourhoods"])
def test_area_tiles_are_valid_mvt_2_1(client, athens, layer):
    z, x, y = tile_of(*SYNTAGMA, 13)
    response = client.get(url(layer, z, x, y))
    assert response.status_code == 200
    decoded = decode(response.content)[layer]
    assert decoded["version"] == 2
    assert decoded["extent"] == 4096
    # SELECT count(*) FROM geodata_<layer> WHERE ST_Intersects(ST_Transform(geom, 3857),
    #     ST_TileEnvelope(z, x, y, margin => 64 / 4096.0))
    table = {"districts": "geodata_district", "neighbourhoods": "geodata_neighbourhood"}[layer]
    query = sql.SQL(
        "SELECT count(*) FROM {} WHERE ST_Intersects(ST_Transform(geom, 3857),"
        " ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64 / 4096.0))"
    ).format(sql.Identifier(table))
    expected = count(query.as_string(), {"z": z, "x": x, "y": y})
    assert len(decoded["features"]) == expected > 1
    for feature in decoded["features"]:
        for rings in polygons(feature["geometry"]):
            assert ring_area(rings[0]) > 0  # exterior: clockwise on screen
            for hole in rings[1:]:
                assert ring_area(hole) < 0


def test_no_key_twice_in_a_layer_nor_in_a_feature(client, athens):
    z, x, y = tile_of(*SYNTAGMA, 13)
    tile = vector_tile_pb2.tile()
    tile.ParseFromString(client.get(url("neighbourhoods", z, x, y)).content)
    (layer,) = tile.layers
    assert layer.version == 2
    assert len(set(layer.keys)) == len(layer.keys)
    assert {"slug", "name", "name_en", "district_id"} == set(layer.keys)
    for feature in layer.features:
        keys = feature.tags[::2]
        assert len(set(keys)) == len(keys)


def test_outlines_are_simplified_to_the_pixel(athens):
    """At zoom 11 a district is drawn with far fewer vertices than stored."""
    z, x, y = tile_of(*SYNTAGMA, 11)
    layer = decode(render_tile("districts", z, x, y))["districts"]
    drawn = sum(
        len(ring) for f in layer["features"] for rings in polygons(f["geometry"]) for ring in rings
    )
    numbers = [f["properties"]["number"] for f in layer["features"]]
    assert len(numbers) >= 3
    # SELECT sum(ST_NPoints(geom)) FROM geodata_district WHERE number = ANY(<drawn>)
    stored = count(
        "SELECT sum(ST_NPoints(geom)) FROM geodata_district WHERE number = ANY(%(n)s)",
        {"n": numbers},
    )
    assert drawn < stored / 3


def test_tracts_are_for_planners_and_private(client, planner, athens):
    z, x, y = tile_of(*SYNTAGMA, 15)
    anonymous = client.__class__()
    refused = anonymous.get(url("tracts", z, x, y))
    assert refused.status_code == 403
    assert "planners" in refused.json()["detail"]
    response = planner.get(url("tracts", z, x, y))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=3600"
    features = decode(response.content)["tracts"]["features"]
    assert features
    assert {"code", "population_2011"} <= set(features[0]["properties"])


# ---------------------------------------------------------------------------------------------
# Coverage


def test_coverage_level_follows_the_zoom_and_the_reader(client, planner, athens):
    assert CoverageResult.objects.filter(scenario="athens/theme=health/minutes=15").exists()
    anonymous = client.__class__()
    expected_levels = {11: "district", 13: "neighbourhood", 15: "neighbourhood"}
    for zoom, level in expected_levels.items():
        z, x, y = tile_of(*SYNTAGMA, zoom)
        response = anonymous.get(url("coverage", z, x, y), {"theme": "health", "minutes": 15})
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=300"
        features = decode(response.content)["coverage"]["features"]
        assert {f["properties"]["level"] for f in features} == {level}
        properties = features[0]["properties"]
        assert {"population", "covered_population", "share_covered"} <= set(properties)
        assert "migrants" not in properties and "methods" not in properties
    z, x, y = tile_of(*SYNTAGMA, 15)
    response = planner.get(url("coverage", z, x, y), {"theme": "health", "minutes": 15})
    assert response["Cache-Control"] == "private, max-age=300"
    features = decode(response.content)["coverage"]["features"]
    assert {f["properties"]["level"] for f in features} == {"tract"}


def test_coverage_refusals_have_reasons(client, planner, athens):
    z, x, y = tile_of(*SYNTAGMA, 13)
    anonymous = client.__class__()
    path = url("coverage", z, x, y)
    assert anonymous.get(path, {"theme": "health", "migrants": "1"}).status_code == 403
    not_stored = anonymous.get(path, {"theme": "health", "minutes": 25})
    assert not_stored.status_code == 404
    assert "stored scenarios" in not_stored.json()["detail"]
    assert "theme" in anonymous.get(path).json()  # required
    with_migrants = planner.get(path, {"theme": "health", "migrants": "1"})
    assert with_migrants["Cache-Control"] == "private, max-age=300"
    features = decode(with_migrants.content)["coverage"]["features"]
    assert "migrants" in features[0]["properties"]


# ---------------------------------------------------------------------------------------------
# Refusals, empty tiles, HTTP caching


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/tiles/services/23/0/0.mvt", "zoom 23 is outside 0…22"),
        ("/tiles/services/2/4/0.mvt", "x 4 is outside 0…3 at zoom 2"),
        ("/tiles/services/2/0/-1.mvt", "y -1 is outside 0…3 at zoom 2"),
        ("/tiles/roads/2/0/0.mvt", "No such tile layer 'roads'"),
    ],
)
def test_bad_addresses_are_404_with_a_reason(client, athens, path, reason):
    response = client.get(path)
    assert response.status_code == 404
    assert reason in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        ({"near": "23.7,37.9"}, "near", "Unknown parameter"),
        ({"bbox": "23.7,37.9,23.8,38.0"}, "bbox", "Unknown parameter"),
        ({"limit": "10"}, "limit", "Unknown parameter"),
        ({"colour": "red"}, "colour", "Unknown parameter"),
        ({"theme": "astrology"}, "theme", "Unknown theme"),
        ({"lang": "xx"}, "lang", "not a valid choice"),
    ],
)
def test_bad_parameters_are_400_with_reasons(client, athens, query, field, reason):
    response = client.get(url("services", 14, 9272, 6321), query)
    assert response.status_code == 400
    assert reason in " ".join(response.json()[field])


def test_areas_take_no_parameters(client, athens):
    response = client.get(url("districts", 12, 2318, 1580), {"city": "athens"})
    assert response.status_code == 400
    assert "city" in response.json()


def test_an_empty_tile_is_204_with_an_etag(client, athens):
    response = client.get(url("services", 10, 0, 0))  # the Pacific
    assert response.status_code == 204
    assert response.content == b""
    assert response["ETag"].startswith('"')


def test_etag_and_if_none_match(client, at_syntagma):
    path = url("services", *tile_of(*SYNTAGMA, 18))
    first = client.get(path)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=60"
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert client.get(path, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_without_lang_the_tile_varies_with_the_request_language(client, at_syntagma):
    path = url("services", *tile_of(*SYNTAGMA, 18))
    assert "Cookie" in client.get(path)["Vary"]  # the language cookie
    assert "Cookie" not in client.get(path, {"lang": "en"}).get("Vary", "")


# ---------------------------------------------------------------------------------------------
# Query budgets and the shared cache


def test_query_budget_made_then_reused(client, at_syntagma, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr("layers.tiles.backend.CULL_EVERY", 10**9)  # no culling in the count
    z, x, y = tile_of(*SYNTAGMA, 18)
    client.get(url("services", z, x + 1, y), {"lang": "en"})  # the vocabulary, a token
    path = url("services", z, x, y)
    with django_assert_num_queries(3):  # cache read (token + entry), ST_AsMVT, cache write
        made = client.get(path, {"lang": "en"})
    with django_assert_num_queries(1):  # cache read
        reused = client.get(path, {"lang": "en"})
    assert reused.content == made.content
    with django_assert_num_queries(1):
        assert client.get(path, {"lang": "en"}, HTTP_IF_NONE_MATCH=made["ETag"]).status_code == 304
    caches["tiles"].clear()
    with django_assert_num_queries(4):  # …and a first token: one more write
        client.get(path, {"lang": "en"})


@pytest.mark.parametrize(
    ("layer", "query", "made"),
    [("districts", {}, 3), ("coverage", {"theme": "health", "minutes": 15}, 4)],
)
def test_query_budget_of_the_polygon_layers(
    client, athens, django_assert_num_queries, monkeypatch, layer, query, made
):
    """Coverage adds one query: the stored run's computed_at, which keys its tiles."""
    monkeypatch.setattr("layers.tiles.backend.CULL_EVERY", 10**9)
    z, x, y = tile_of(*SYNTAGMA, 13)
    client.get(url(layer, z, x + 1, y), query)
    with django_assert_num_queries(made):
        client.get(url(layer, z, x, y), query)
    with django_assert_num_queries(made - 2):
        client.get(url(layer, z, x, y), query)


def test_a_new_service_shows_at_once(
    client, at_syntagma, make_service, django_capture_on_commit_callbacks
):
    path = url("services", *tile_of(*SYNTAGMA, 18))
    before = client.get(path, {"lang": "en"})
    with django_capture_on_commit_callbacks(execute=True):
        make_service("Brand new desk", at=(SYNTAGMA[0] + 0.0001, SYNTAGMA[1]))
    after = client.get(path, {"lang": "en"})
    names = {f["properties"]["name"] for f in decode(after.content)["services"]["features"]}
    assert "Brand new desk" in names
    assert after["ETag"] != before["ETag"]


def test_a_moved_place_leaves_its_old_tile(client, at_syntagma, django_capture_on_commit_callbacks):
    service = at_syntagma[2]
    path = url("services", *tile_of(*SYNTAGMA, 18))

    def ids() -> set[str]:
        layer = decode(client.get(path, {"lang": "en"}).content).get("services", {})
        return {f["properties"]["service_id"] for f in layer.get("features", [])}

    assert str(service.pk) in ids()
    location = Location.objects.get(service_at_locations__service=service)
    with django_capture_on_commit_callbacks(execute=True):
        location.point = Point(*PAGKRATI_PLATEIA_VARNAVA, srid=4326)
        location.save()
    assert str(service.pk) not in ids()
    new_path = url("services", *tile_of(*PAGKRATI_PLATEIA_VARNAVA, 18))
    moved = decode(client.get(new_path, {"lang": "en"}).content)["services"]["features"]
    assert str(service.pk) in {f["properties"]["service_id"] for f in moved}


def test_the_cache_is_used_until_the_data_changes(
    client, at_syntagma, django_capture_on_commit_callbacks
):
    """A change that sends no signal is not seen (the tile comes from the cache); a change
    through the ORM is, once committed."""
    path = url("services", *tile_of(*SYNTAGMA, 18))
    service = at_syntagma[0]
    before = client.get(path, {"lang": "en"})
    Service.objects.filter(pk=service.pk).update(name="Renamed quietly")  # no signal
    assert client.get(path, {"lang": "en"}).content == before.content
    with django_capture_on_commit_callbacks(execute=True):
        service.refresh_from_db()
        service.save()
    after = decode(client.get(path, {"lang": "en"}).content)["services"]["features"]
    assert "Renamed quietly" in {f["properties"]["name"] for f in after}


def test_a_new_theme_shows_at_once(client, at_syntagma, django_capture_on_commit_callbacks):
    service = at_syntagma[0]
    path = url("services", *tile_of(*SYNTAGMA, 18))

    def themes() -> str | None:
        layer = decode(client.get(path, {"lang": "en"}).content)["services"]
        (props,) = [
            f["properties"]
            for f in layer["features"]
            if f["properties"]["service_id"] == str(service.pk)
        ]
        return props.get("themes")

    assert themes() is None
    with django_capture_on_commit_callbacks(execute=True):
        service.categories.add(TaxonomyTerm.objects.get(code="legal"))
    assert themes() == "legal"


def test_bulk_imports_and_new_geography_start_new_generations(
    client, athens, django_capture_on_commit_callbacks
):
    """Importers write without save signals and say so with directory_imported; a geography
    reload sends geography_loaded. Each makes its tiles anew."""
    from geodata.models import District
    from geodata.signals import geography_loaded
    from mapping.signals import directory_imported

    z, x, y = tile_of(*SYNTAGMA, 13)
    before = decode(client.get(url("districts", z, x, y)).content)["districts"]["features"]
    District.objects.filter(number=1).update(name="Renamed district")  # no signal
    with django_capture_on_commit_callbacks(execute=True):
        geography_loaded.send(sender=District, municipality=athens)
    after = decode(client.get(url("districts", z, x, y)).content)["districts"]["features"]
    assert "Renamed district" not in {f["properties"]["name"] for f in before}
    assert "Renamed district" in {f["properties"]["name"] for f in after}

    services = url("services", *tile_of(*SYNTAGMA, 12))
    first = client.get(services, {"lang": "en"})
    Service.objects.filter(status="active").update(status="inactive")  # as a bulk import would
    assert client.get(services, {"lang": "en"}).content == first.content
    with django_capture_on_commit_callbacks(execute=True):
        directory_imported.send(sender=Service, source="test", service_ids=[])
    assert client.get(services, {"lang": "en"}).status_code == 204  # nothing active is left


def test_a_lost_version_token_invalidates_rather_than_revives(client, at_syntagma):
    path = url("services", *tile_of(*SYNTAGMA, 18))
    client.get(path, {"lang": "en"})
    Service.objects.filter(pk=at_syntagma[0].pk).update(name="Changed meanwhile")
    caches["tiles"].delete("version:services")  # culled, say
    names = {
        f["properties"]["name"]
        for f in decode(client.get(path, {"lang": "en"}).content)["services"]["features"]
    }
    assert "Changed meanwhile" in names


def test_coverage_tiles_follow_the_stored_run(client, athens):
    z, x, y = tile_of(*SYNTAGMA, 13)
    path = url("coverage", z, x, y)
    query = {"theme": "health", "minutes": 15}
    before = client.get(path, query)
    stored = CoverageResult.objects.filter(scenario="athens/theme=health/minutes=15")
    row = stored.filter(level="neighbourhood").first()
    figures = {**row.figures, "population": 123456}
    stored.filter(pk=row.pk).update(figures=figures)  # as a refresh does, with a new time
    assert client.get(path, query).content == before.content  # same run: cached
    stored.update(computed_at=row.computed_at.replace(year=row.computed_at.year + 1))
    after = decode(client.get(path, query).content)["coverage"]["features"]
    assert 123456 in {f["properties"]["population"] for f in after}


# ---------------------------------------------------------------------------------------------
# The SQL: index use, the bench's entry point, the option


def test_the_filter_step_uses_the_gist_index_on_the_tile_points(athens):
    sql, params = tile_sql("services", *tile_of(*SYNTAGMA, 18), {"lang": "en"})
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # small tables: force the choice
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # GeoDjango's GiST index on the tile points' EPSG:3857 geometry (layers.ServicePoint)
    assert "layers_servicepoint_geom" in plan
    assert "location_point_geography_gist" not in plan


def test_render_tile_is_the_endpoints_bytes(client, at_syntagma):
    z, x, y = tile_of(*SYNTAGMA, 18)
    assert render_tile("services", z, x, y, {"lang": "en"}) == (
        client.get(url("services", z, x, y), {"lang": "en"}).content
    )
    sql, params = tile_sql("services", z, x, y, {"lang": "en"})
    assert "ST_AsMVT" in sql and params["z"] == z


@pytest.mark.parametrize("value", ["-1", "many", ""])
def test_the_tiles_threshold_is_checked(settings, value):
    settings.HARTIS = {**settings.HARTIS, "SERVICES_AS_TILES_ABOVE": value}
    with pytest.raises(ImproperlyConfigured, match="SERVICES_AS_TILES_ABOVE"):
        hartis_options()


def test_feature_ids_differ_between_places(at_syntagma):
    ids = {int(sal.pk.hex[:15], 16) for sal in ServiceAtLocation.objects.all()}
    assert len(ids) == ServiceAtLocation.objects.count()
    assert all(isinstance(uuid.UUID(int=i), uuid.UUID) for i in ids)
