"""Coverage: hand-checked numbers on a tiny synthetic city, invariants on Athens, an
independent recomputation with geopandas/shapely, and the planning API."""

import io
import math

import geopandas as gpd
import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.management import call_command
from shapely import wkb as shapely_wkb
from shapely.ops import unary_union

from geodata.models import CensusTract, District, Municipality, Neighbourhood
from geodata.spatial import METRIC_SRID, walk_reach_m
from layers.coverage import (
    DISC_QUARTER_SEGMENTS,
    Scenario,
    compute,
    default_scenarios,
    refresh_stored,
)
from layers.models import CoverageResult
from layers.receivers import coverage_is_stale
from mapping.models import Location, ServiceArea, TaxonomyTerm

# Tiny city, EPSG:2100 metres: 2 × 2 tracts of 1 km², south-west corner at (X0, Y0).
#   tract 3 (pop 300) | tract 4 (pop 400)        districts: west = tracts 1, 3
#   tract 1 (pop 100) | tract 2 (pop 200)                   east = tracts 2, 4
# Neighbourhoods cut across tracts: "west-strip" is x < 500 m, "rest" is x ≥ 500 m.
X0, Y0 = 480_000.0, 4_190_000.0
SIDE = 1000.0
POPULATION = {1: 100.0, 2: 200.0, 3: 300.0, 4: 400.0}
MIGRANT_SHARE = {1: 0.5, 2: 0.1, 3: 0.2, 4: 0.25}


def square(x: float, y: float, width: float, height: float) -> MultiPolygon:
    """A rectangle given in EPSG:2100 metres, stored in EPSG:4326."""
    ring = ((x, y), (x + width, y), (x + width, y + height), (x, y + height), (x, y))
    polygon = MultiPolygon(Polygon(ring), srid=METRIC_SRID)
    polygon.transform(4326)
    return polygon


def metric_point(x: float, y: float) -> Point:
    point = Point(x, y, srid=METRIC_SRID)
    point.transform(4326)
    return point


def regular_polygon_area(radius: float, vertices: int) -> float:
    """Area of the regular polygon PostGIS draws for a circle (ST_Buffer)."""
    return vertices / 2 * radius**2 * math.sin(2 * math.pi / vertices)


@pytest.fixture
def tiny_city(db):
    city = Municipality.objects.create(
        code="T1", slug="tinyville", name="Tinyville", geom=square(X0, Y0, 2 * SIDE, 2 * SIDE)
    )
    west = District.objects.create(
        municipality=city, number=1, name="West", geom=square(X0, Y0, SIDE, 2 * SIDE)
    )
    District.objects.create(
        municipality=city, number=2, name="East", geom=square(X0 + SIDE, Y0, SIDE, 2 * SIDE)
    )
    Neighbourhood.objects.create(
        municipality=city, slug="west-strip", name="West strip", district=west,
        geom=square(X0, Y0, 500, 2 * SIDE),
    )  # fmt: skip
    Neighbourhood.objects.create(
        municipality=city, slug="rest", name="Rest",
        geom=square(X0 + 500, Y0, 2 * SIDE - 500, 2 * SIDE),
    )  # fmt: skip
    corners = {1: (X0, Y0), 2: (X0 + SIDE, Y0), 3: (X0, Y0 + SIDE), 4: (X0 + SIDE, Y0 + SIDE)}
    for number, (x, y) in corners.items():
        CensusTract.objects.create(
            municipality=city, code=f"T{number}", name=f"Tract {number}",
            geom=square(x, y, SIDE, SIDE), population_2011=POPULATION[number],
            migrant_share=MIGRANT_SHARE[number], area_m2=SIDE * SIDE,
        )  # fmt: skip
    return city


def health_service(make_service, name: str, x: float, y: float):
    service = make_service(name, at=metric_point(x, y).coords)
    service.categories.add(TaxonomyTerm.objects.get(code="health"))
    return service


def by_code(run, level: str, model, field: str) -> dict:
    names = dict(model.objects.filter(pk__in=run.areas[level]).values_list("pk", field))
    return {names[pk]: figures for pk, figures in run.areas[level].items()}


def test_distance_and_drawn_catchments_match_hand_numbers(tiny_city, make_service):
    # Service A, centre of tract 1: a disc of 5 min × 80 m/min ÷ 1.3 = 307.7 m, wholly inside
    # tract 1. Service B: placed in tract 2, but an editor drew its area as all of tract 4,
    # and a drawn area takes precedence over the walk from its place.
    health_service(make_service, "A", X0 + 500, Y0 + 500)
    b = health_service(make_service, "B", X0 + 1500, Y0 + 500)
    ServiceArea.objects.create(service=b, extent=square(X0 + SIDE, Y0 + SIDE, SIDE, SIDE))

    run = compute(Scenario("health", 5, city="tinyville"))

    assert run.methods == {"distance": 1, "drawn": 1}
    assert run.method == "mixed"
    disc = regular_polygon_area(walk_reach_m(5), 4 * DISC_QUARTER_SEGMENTS)  # 296,952 m²
    assert disc == pytest.approx(296_952, rel=1e-4)
    tracts = by_code(run, "tract", CensusTract, "code")
    assert tracts["T1"]["share_covered"] == pytest.approx(disc / SIDE**2, abs=1e-4)
    assert tracts["T1"]["covered_population"] == pytest.approx(100 * disc / SIDE**2, abs=0.1)
    assert tracts["T2"]["covered_population"] == 0
    assert tracts["T3"]["covered_population"] == 0
    assert tracts["T4"]["covered_population"] == pytest.approx(400, abs=0.1)
    covered_1 = 100 * disc / SIDE**2  # 29.7 residents

    city = run.areas["city"][tiny_city.pk]
    assert city["population"] == pytest.approx(1000)
    assert city["covered_population"] == pytest.approx(covered_1 + 400, abs=0.2)
    assert city["gap_population"] == pytest.approx(1000 - covered_1 - 400, abs=0.2)
    assert city["services"] == 2
    assert city["services_per_10k"] == pytest.approx(20.0)
    # Migrants: tract 1 has 50 (share 0.5), tract 4 has 100 (share 0.25).
    assert city["migrants"] == pytest.approx(50 + 20 + 60 + 100)
    assert city["covered_migrants"] == pytest.approx(50 * disc / SIDE**2 + 100, abs=0.2)

    districts = by_code(run, "district", District, "number")
    assert districts[1]["population"] == pytest.approx(400)
    assert districts[1]["covered_population"] == pytest.approx(covered_1, abs=0.1)
    assert districts[2]["covered_population"] == pytest.approx(400, abs=0.1)

    # Neighbourhoods cut tracts 1 and 3 in half: residents are shared by area.
    hoods = by_code(run, "neighbourhood", Neighbourhood, "slug")
    assert hoods["west-strip"]["population"] == pytest.approx(50 + 150)
    assert hoods["rest"]["population"] == pytest.approx(50 + 200 + 150 + 400)
    assert hoods["west-strip"]["covered_population"] == pytest.approx(covered_1 / 2, abs=0.1)
    assert hoods["rest"]["covered_population"] == pytest.approx(covered_1 / 2 + 400, abs=0.1)

    # Nearest: tract 3's point-on-surface to service A's place, straight line × 1.3 / 80.
    tract_3_centre = CensusTract.objects.get(code="T3").geom.point_on_surface
    tract_3_centre.transform(METRIC_SRID)
    metres = math.dist(tract_3_centre.coords, (X0 + 500, Y0 + 500))
    assert tracts["T3"]["gap_nearest_minutes"] == pytest.approx(metres * 1.3 / 80, abs=0.1)


def test_a_network_catchment_is_used_when_one_exists(tiny_city, make_service):
    from layers.models import NetworkCatchment

    service = health_service(make_service, "A", X0 + 500, Y0 + 500)
    location = Location.objects.get(service_at_locations__service=service)
    # A walk along streets reaching exactly the west half of tract 1 (500 × 1000 m).
    half = square(X0, Y0, 500, SIDE)
    half.transform(METRIC_SRID)
    NetworkCatchment.objects.create(location=location, minutes=10, geom=half)

    run = compute(Scenario("health", 10, city="tinyville"))

    assert run.methods == {"network": 1}
    tracts = by_code(run, "tract", CensusTract, "code")
    assert tracts["T1"]["covered_population"] == pytest.approx(50, abs=0.1)
    # At 15 minutes no isochrone was computed: the distance disc stands in.
    assert compute(Scenario("health", 15, city="tinyville")).methods == {"distance": 1}


@pytest.mark.django_db
def test_athens_totals_hold_at_every_level(athens):
    run = compute(Scenario("health", 15))
    assert len(run.areas["tract"]) == 494 == athens.tracts.count()
    loaded = sum(athens.tracts.values_list("population_2011", flat=True))
    city = run.areas["city"][athens.pk]
    assert city["population"] == pytest.approx(loaded, abs=1)
    for level in ("tract", "neighbourhood", "district", "city"):
        areas = run.areas[level].values()
        for figures in areas:
            assert figures["covered_population"] + figures["gap_population"] == pytest.approx(
                figures["population"], abs=0.2
            )
        assert sum(f["population"] for f in areas) == pytest.approx(loaded, rel=1e-4)
    assert 0 < city["share_covered"] < 1


@pytest.mark.django_db
def test_a_service_in_a_gap_raises_coverage(athens, make_service):
    scenario = Scenario("legal", 10)
    before = compute(scenario).areas["neighbourhood"]
    gap_id = max(before, key=lambda pk: before[pk]["gap_population"])
    gap = Neighbourhood.objects.get(pk=gap_id)
    service = make_service("Legal aid in the gap", at=gap.geom.point_on_surface.coords)
    service.categories.add(TaxonomyTerm.objects.get(code="legal"))

    after = compute(scenario).areas["neighbourhood"]
    assert after[gap_id]["covered_population"] > before[gap_id]["covered_population"]
    assert after[gap_id]["services"] == before[gap_id]["services"] + 1


@pytest.mark.django_db
def test_language_narrows_coverage(athens):
    everyone = compute(Scenario("health", 15)).areas["city"][athens.pk]
    farsi = compute(Scenario("health", 15, language="fa")).areas["city"][athens.pk]
    assert farsi["covered_population"] < everyone["covered_population"]
    assert farsi["services"] < everyone["services"]


@pytest.mark.django_db
def test_independent_recomputation_with_geopandas_agrees(athens):
    """Same question, other code path: shapely buffers and unions, geopandas overlay."""
    scenario = Scenario("education", 10)
    sql_city = compute(scenario).areas["city"][athens.pk]

    tracts = gpd.GeoDataFrame(
        [
            {"population": t.population_2011, "geometry": shapely_wkb.loads(bytes(t.geom.wkb))}
            for t in athens.tracts.all()
        ],
        crs="EPSG:4326",
    ).to_crs(epsg=METRIC_SRID)
    points = Location.objects.filter(
        service_at_locations__service__in=scenario.services(), point__isnull=False
    ).distinct()
    places = gpd.GeoSeries(
        [shapely_wkb.loads(bytes(location.point.wkb)) for location in points], crs="EPSG:4326"
    ).to_crs(epsg=METRIC_SRID)
    assert not ServiceArea.objects.filter(service__in=scenario.services()).exists()
    reach = walk_reach_m(scenario.minutes)
    covered = unary_union(list(places.buffer(reach, quad_segs=DISC_QUARTER_SEGMENTS)))
    share = tracts.geometry.intersection(covered).area / tracts.geometry.area
    independent = float((tracts["population"] * share).sum())

    assert sql_city["covered_population"] == pytest.approx(independent, rel=0.005)


@pytest.mark.django_db
def test_default_scenarios_are_stored_and_refreshed_after_commit(
    athens, make_service, django_capture_on_commit_callbacks
):
    assert len(default_scenarios()) == 18
    refresh_stored()
    rows = CoverageResult.objects.filter(scenario="athens/theme=housing/minutes=20")
    assert rows.filter(level="city").count() == 1
    assert rows.filter(level="tract").count() == 494
    before = rows.get(level="city").figures["services"]

    with django_capture_on_commit_callbacks(execute=True):
        service = make_service("New shelter", at=(23.7275, 37.9838))
        service.categories.add(TaxonomyTerm.objects.get(code="housing"))
    assert rows.get(level="city").figures["services"] == before + 1


@pytest.mark.django_db
def test_stale_mark_refreshes_once_per_commit(athens, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        coverage_is_stale()
        coverage_is_stale()
    assert len(callbacks) == 2  # both registered; the second finds nothing stale
    assert CoverageResult.objects.filter(scenario="athens/theme=health/minutes=10").exists()


# --------------------------------------------------------------------------------------------
# API


@pytest.fixture
def planner(db):
    user = User.objects.create_user("planner", password="x")
    user.user_permissions.add(Permission.objects.get(codename="view_detailed_coverage"))
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, field",
    [
        ("minutes=15", "theme"),
        ("theme=unknown-theme", "theme"),
        ("theme=health&minutes=3", "minutes"),
        ("theme=health&minutes=61", "minutes"),
        ("theme=health&level=street", "level"),
        ("theme=health&language=xx", "language"),
        ("theme=health&colour=red", "colour"),
    ],
)
def test_coverage_api_refuses_bad_input(athens, client, query, field):
    response = client.get(f"/api/coverage/?{query}")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_public_coverage_has_no_tract_or_migrant_figures(athens, client, planner):
    response = client.get("/api/coverage/?theme=health&minutes=15&level=district")
    assert response.status_code == 200
    body = response.json()
    assert body["method"] == "distance" and body["type"] == "FeatureCollection"
    assert len(body["features"]) == 7
    properties = body["features"][0]["properties"]
    assert {"population", "covered_population", "gap_population", "share_covered"} <= set(
        properties
    )
    assert not {"migrants", "covered_migrants", "migrant_share_covered"} & set(properties)
    for query in ("level=tract", "migrants=1"):
        assert client.get(f"/api/coverage/?theme=health&{query}").status_code == 403

    client.force_login(planner)
    tracts = client.get("/api/coverage/?theme=health&level=tract&migrants=1").json()
    assert len(tracts["features"]) == 494
    assert "migrant_share_covered" in tracts["features"][0]["properties"]


@pytest.mark.django_db
def test_catchment_api_says_its_method(athens, client, make_service):
    service = make_service("Clinic", at=(23.7275, 37.9838))
    body = client.get(f"/api/services/{service.pk}/catchment/?minutes=15").json()
    assert body["method"] == "distance"
    (feature,) = body["features"]
    # The disc drawn in EPSG:2100, measured on the spheroid: within 0.5 % of the hand area.
    expected = regular_polygon_area(walk_reach_m(15), 4 * DISC_QUARTER_SEGMENTS)
    assert feature["properties"]["area_m2"] == pytest.approx(expected, rel=0.005)

    ServiceArea.objects.create(service=service, extent=square(476_000, 4_205_000, 800, 600))
    drawn = client.get(f"/api/services/{service.pk}/catchment/").json()
    assert drawn["method"] == "drawn"
    assert drawn["features"][0]["properties"]["area_m2"] == pytest.approx(480_000, rel=0.005)

    assert client.get(f"/api/services/{service.pk}/catchment/?minutes=0").status_code == 400
    missing = "/api/services/00000000-0000-0000-0000-000000000000/catchment/"
    assert client.get(missing).status_code == 404


@pytest.mark.django_db
def test_a_stored_scenario_is_read_not_recomputed(athens, client, django_assert_max_num_queries):
    refresh_stored()
    client.get("/api/coverage/?theme=health&minutes=15&level=neighbourhood")  # caches vocabulary
    with django_assert_max_num_queries(3):  # session/user, stored rows, features
        body = client.get("/api/coverage/?theme=health&minutes=15&level=neighbourhood").json()
    assert body["stored"] is True
    assert len(body["features"]) == 45
    computed = client.get("/api/coverage/?theme=health&minutes=25&level=neighbourhood").json()
    assert computed["stored"] is False


@pytest.mark.django_db
def test_network_coverage_on_a_test_street_grid(athens, make_service, tmp_path):
    """The network method end to end: a 5 × 5 street grid (tests/test_streets.py) loaded with
    osm2pgrouting near Syntagma, and the only Lingala-speaking clinic at its centre node; 5
    minutes (400 m) walk every street of the grid: the catchment is the grid's street buffer."""
    from layers.models import NetworkCatchment
    from layers.streets import STREET_BUFFER_M, load_streets, refresh_network_catchments
    from mapping.models import Language
    from tests.test_streets import expected_area, grid_ways, lon_lat, osm_file

    load_streets(osm_file(tmp_path, grid_ways()), athens)
    clinic = make_service("Grid clinic", at=lon_lat(0, 0).coords)
    clinic.categories.add(TaxonomyTerm.objects.get(code="health"))
    clinic.languages.add(Language.objects.get(code="ln"))
    place = Location.objects.get(service_at_locations__service=clinic)
    refresh_network_catchments([5], locations=Location.objects.filter(pk=place.pk))
    isochrone = NetworkCatchment.objects.get(location=place, minutes=5).geom
    # The whole grid (±200 m) buffered by the street width: ~500 m × 500 m, corners rounded.
    whole_grid = expected_area([line for line, _ in grid_ways()])
    assert isochrone.sym_difference(whole_grid).area < 0.01 * whole_grid.area
    assert STREET_BUFFER_M == 50

    run = compute(Scenario("health", 5, language="ln"))

    assert run.methods == {"network": 1}
    # Independent: each tract's population times its area share inside the isochrone (GEOS).
    expected = 0.0
    for tract in athens.tracts.all():
        geom = tract.geom.transform(METRIC_SRID, clone=True)
        if geom.intersects(isochrone):
            expected += tract.population_2011 * geom.intersection(isochrone).area / geom.area
    city = run.areas["city"][athens.pk]
    assert expected > 0
    assert city["covered_population"] == pytest.approx(expected, rel=0.002)


def test_a_moved_place_loses_its_old_isochrones(tiny_city, make_service):
    from layers.models import NetworkCatchment

    service = health_service(make_service, "A", X0 + 500, Y0 + 500)
    location = Location.objects.get(service_at_locations__service=service)
    half = square(X0, Y0, 500, SIDE)
    half.transform(METRIC_SRID)
    NetworkCatchment.objects.create(location=location, minutes=10, geom=half)
    location.point = metric_point(X0 + 1500, Y0 + 1500)
    location.save()
    assert not NetworkCatchment.objects.filter(location=location).exists()


@pytest.mark.django_db
def test_an_import_refreshes_the_stored_coverage(athens, django_capture_on_commit_callbacks):
    # Imports write in bulk (no per-row signals): the import action says so once.
    CoverageResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--sync", stdout=io.StringIO())
    city = CoverageResult.objects.get(scenario="athens/theme=health/minutes=15", level="city")
    assert city.figures["services"] > 0


@pytest.mark.django_db
def test_planners_log_in_to_see_tract_detail(athens, client, planner):
    from allauth.account.models import EmailAddress

    planner.set_password("a long planner password")
    planner.save()
    # Every account logs in with a verified e-mail address (allauth, mandatory verification).
    EmailAddress.objects.create(user=planner, email="planner@example.org", verified=True)
    response = client.get("/en/planning/?theme=health&level=tract")
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login.status_code == 200 and b'name="password"' in login.content
    done = client.post(
        "/en/accounts/login/",
        {
            "login": "planner@example.org",
            "password": "a long planner password",
            "next": "/en/planning/",
        },
    )
    assert done.status_code == 302
    assert client.get("/en/planning/?theme=health&level=tract").status_code == 200
