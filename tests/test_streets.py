"""Street network: loading with osmium + osm2pgrouting, and walking isochrones on a street grid
whose right answers are known by hand.

The grid: 5 × 5 nodes 100 m apart in EPSG:2100 near Syntagma, all ``highway=residential``, so
its 40 edges are 100 m long and a walk along it is a Manhattan distance. Coordinates below are
metres from the centre node. At 80 m/min, 2.5 minutes = 200 m and 3 minutes = 240 m.
"""

import io
import math
import subprocess
from pathlib import Path

import pytest
from django.contrib.gis.geos import LineString, MultiLineString, Point
from django.core.management import CommandError, call_command

from layers.models import NetworkCatchment
from layers.streets import (
    STREET_BUFFER_M,
    StreetDataError,
    load_streets,
    network_isochrone,
    refresh_network_catchments,
    street_network_loaded,
)
from mapping.models import Location

CENTRE = (476700.0, 4203000.0)  # EPSG:2100, ~150 m west-south-west of Syntagma square
STEP_M = 100.0
SIDE = 5  # nodes per row and column


def metric(x: float, y: float) -> Point:
    """A point ``x``, ``y`` metres east and north of the grid centre, EPSG:2100."""
    return Point(CENTRE[0] + x, CENTRE[1] + y, srid=2100)


def lon_lat(x: float, y: float) -> Point:
    return metric(x, y).transform(4326, clone=True)


def osm_file(folder: Path, ways: list[tuple[list[tuple[float, float]], str]]) -> Path:
    """Write an .osm (XML) file of ``ways``: (node positions in grid metres, highway value)."""
    node_ids: dict[tuple[float, float], int] = {}
    nodes, way_lines = [], []
    for way_id, (positions, highway) in enumerate(ways, start=1):
        refs = []
        for position in positions:
            if position not in node_ids:
                node_ids[position] = len(node_ids) + 1
                point = lon_lat(*position)
                nodes.append(
                    f'<node id="{node_ids[position]}" version="1"'
                    f' lat="{point.y:.7f}" lon="{point.x:.7f}"/>'
                )
            refs.append(f'<nd ref="{node_ids[position]}"/>')
        way_lines.append(
            f'<way id="{way_id}" version="1">{"".join(refs)}<tag k="highway" v="{highway}"/></way>'
        )
    path = folder / "streets.osm"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="hartis tests">\n'
        + "\n".join(nodes + way_lines)
        + "\n</osm>\n"
    )
    return path


def grid_ways() -> list[tuple[list[tuple[float, float]], str]]:
    """One way per row and per column; osm2pgrouting splits them at the 25 crossings."""
    span = [STEP_M * (i - SIDE // 2) for i in range(SIDE)]
    rows = [([(x, y) for x in span], "residential") for y in span]
    columns = [([(x, y) for y in span], "residential") for x in span]
    return rows + columns


@pytest.fixture
def grid_file(tmp_path) -> Path:
    return osm_file(tmp_path, grid_ways())


@pytest.fixture
def grid(athens, grid_file) -> dict:
    return load_streets(grid_file, athens)


def place(name: str, x: float, y: float) -> Location:
    return Location.objects.create(name=name, point=lon_lat(x, y))


def expected_area(lines: list[tuple[tuple[float, float], ...]]):
    """The street buffer of hand-listed walked lines (grid metres), EPSG:2100."""
    return MultiLineString(
        [LineString([metric(*p).coords for p in line]) for line in lines], srid=2100
    ).buffer(STREET_BUFFER_M)


def assert_same_area(actual, expected) -> None:
    """Same region within 1 %: the parts in one and not the other are < 1 % of the area."""
    assert actual.srid == 2100
    assert actual.geom_type == "MultiPolygon"
    assert actual.sym_difference(expected).area < 0.01 * expected.area


# Reached at 200 m from the centre node: the cross of the two middle streets out to ±200 m,
# and the square ring of streets at ±100 m (16 edges; the nodes with |x| + |y| <= 200 m).
DIAMOND_200 = [
    ((-200, 0), (200, 0)),
    ((0, -200), (0, 200)),
    ((-100, -100), (100, -100), (100, 100), (-100, 100), (-100, -100)),
]


def test_load_builds_the_routable_grid(grid):
    # 5 rows + 5 columns of 4 edges each; 25 crossings.
    assert grid == {"edges": 40, "vertices": 25}
    assert street_network_loaded()


def test_isochrone_from_a_crossing(grid):
    area = network_isochrone(lon_lat(0, 0), 2.5)

    assert_same_area(area, expected_area(DIAMOND_200))
    # By hand: the ring's buffer is a 300 m square with corners rounded (r = 50 m) around the
    # ring's corners; the four arms add 50 × 100 m and a half disc each:
    # 300² − 4·(50² − π·50²/4) + 4·(50·100 + π·50²/2) = (10 + 3π/4)·100² = 123,562 m².
    # (ST_Buffer draws circles with 32 sides: 0.1 % less.)
    assert area.area == pytest.approx((10 + 3 * math.pi / 4) * 100**2, rel=0.01)

    assert area.contains(metric(100, 50))  # 150 m along streets
    assert area.contains(metric(0, -200))  # 200 m: the end of an arm
    # 200 m in a straight line, on the street at y = 100 m, but 273 m along streets: outside
    # (its nearest reached street is 73 m away, the buffer is 50 m).
    assert metric(0, 0).distance(metric(100 * math.sqrt(3), 100)) == pytest.approx(200)
    assert not area.contains(metric(100 * math.sqrt(3), 100))
    assert not area.contains(metric(150, 150))  # the diagonal: 212 m away, 300 m to walk


def test_frontier_edges_count_in_part(grid):
    # 3 minutes = 240 m: the same 16 edges, plus 40 m up each of the 16 edges leaving the
    # nodes reached at 200 m.
    stubs = [
        ((200, -40), (200, 40)),
        ((-200, -40), (-200, 40)),
        ((-40, 200), (40, 200)),
        ((-40, -200), (40, -200)),
        *(((100 * sx, 100 * sy), (140 * sx, 100 * sy)) for sx in (1, -1) for sy in (1, -1)),
        *(((100 * sx, 100 * sy), (100 * sx, 140 * sy)) for sx in (1, -1) for sy in (1, -1)),
    ]
    assert len(stubs) == 12  # 4 lines holding 2 stubs each, 8 single stubs: 16 stubs
    area = network_isochrone(lon_lat(0, 0), 3)
    assert_same_area(area, expected_area(DIAMOND_200 + stubs))


def test_the_walk_to_the_street_comes_first(grid):
    # A place 30 m north of the street y = 0, halfway between two crossings: it walks 30 m to
    # (50, 0), then has 170 m: 50 m to each crossing, 100 m on, and 20 m past the six nodes
    # it reaches at 150 m.
    spare_20 = {
        (0, 100): [(0, 120), (-20, 100), (20, 100)],
        (0, -100): [(0, -120), (-20, -100), (20, -100)],
        (-100, 0): [(-120, 0), (-100, 20), (-100, -20)],
        (100, 100): [(100, 120), (120, 100), (80, 100)],
        (100, -100): [(100, -120), (120, -100), (80, -100)],
        (200, 0): [(200, 20), (200, -20)],  # on the grid's east edge
    }
    lines = [
        ((50, 30), (50, 0)),  # the walk to the street
        ((-100, 0), (200, 0)),
        ((0, -100), (0, 100)),
        ((100, -100), (100, 100)),
        *((node, end) for node, ends in spare_20.items() for end in ends),
    ]
    area = network_isochrone(lon_lat(50, 30), 2.5)
    assert_same_area(area, expected_area(lines))
    assert area.contains(metric(50, 30))


def test_catchments_are_written_per_place_and_time_and_replaced(grid):
    centre = place("Centre", 0, 0)
    far = place("Far from any street", 0, -800)  # 600 m south of the grid
    places = Location.objects.filter(pk__in=[centre.pk, far.pk])

    assert refresh_network_catchments([2, 3], places) == 2
    assert refresh_network_catchments([3, 2], places) == 2  # replaced, not added
    missing = places.exclude(network_catchments__minutes=3)  # as layers.catchments asks
    assert list(missing) == [far]
    assert refresh_network_catchments([3], missing) == 0
    rows = NetworkCatchment.objects.filter(location__in=places)
    assert sorted(rows.values_list("location__name", "minutes")) == [
        ("Centre", 2),
        ("Centre", 3),
    ]
    three = rows.get(minutes=3).geom
    assert three.srid == 2100
    assert_same_area(three, network_isochrone(lon_lat(0, 0), 3))
    # Beyond 500 m from every street: no network catchment (callers use the distance method).
    assert network_isochrone(lon_lat(0, -800), 20) is None


def test_a_bad_file_changes_nothing(grid, athens, tmp_path):
    centre = place("Centre", 0, 0)
    refresh_network_catchments([5], Location.objects.filter(pk=centre.pk))
    before = network_isochrone(lon_lat(0, 0), 5)

    garbage = tmp_path / "garbage.osm"
    garbage.write_text("this is not OpenStreetMap")
    with pytest.raises(StreetDataError, match=r"garbage\.osm"):
        load_streets(garbage, athens)

    motorway = osm_file(tmp_path, [([(-200, 0), (200, 0)], "motorway")])
    with pytest.raises(StreetDataError, match=r"streets\.osm has no walkable streets"):
        load_streets(motorway, athens)

    with pytest.raises(StreetDataError, match=r"nowhere\.osm\.pbf not found"):
        load_streets(tmp_path / "nowhere.osm.pbf", athens)

    assert street_network_loaded()
    assert NetworkCatchment.objects.filter(location=centre).count() == 1
    assert_same_area(network_isochrone(lon_lat(0, 0), 5), before)


def test_loading_again_gives_the_same_network(grid, athens, grid_file):
    first = network_isochrone(lon_lat(0, 0), 3)
    # The same streets as .osm.pbf, the format of Geofabrik's extracts.
    pbf = grid_file.with_suffix(".osm.pbf")
    subprocess.run(["osmium", "cat", str(grid_file), "-o", str(pbf)], check=True)
    assert load_streets(pbf, athens) == grid
    assert load_streets(grid_file, athens) == grid
    again = network_isochrone(lon_lat(0, 0), 3)
    assert again.area == pytest.approx(first.area)


def test_streets_outside_the_city_are_clipped_away(athens, tmp_path):
    inside = ([(-100, 0), (100, 0)], "footway")
    in_piraeus = ([(-9000, -4000), (-8800, -4000)], "residential")  # ~10 km south-west
    assert load_streets(osm_file(tmp_path, [inside, in_piraeus]), athens)["edges"] == 1


def test_command_loads_and_reports(athens, grid_file):
    centre = place("Centre", 0, 0)
    out = io.StringIO()
    call_command("load_streets", str(grid_file), "--minutes", "2,3", stdout=out)
    report = out.getvalue()
    assert "40 street edges, 25 vertices" in report
    assert "catchments of 2, 3 minutes" in report
    assert NetworkCatchment.objects.filter(location=centre).count() == 2


def test_command_refuses_a_bad_file(db, tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00not a pbf")
    with pytest.raises(CommandError, match=r"Nothing was changed: .*bad\.osm\.pbf"):
        call_command("load_streets", str(bad))
    assert not street_network_loaded()
