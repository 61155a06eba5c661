"""Third-party clients read the OGC API over HTTP: GDAL's ogrinfo (Debian's GDAL), OWSLib,
and pyogrio (its own GDAL) asking for EPSG:2100.

The server is a live Django server over the session's committed data (Athens and its
services). Not pytest-django's ``live_server``: that one makes each test transactional and
empties the database after it, which is for the browser tests that run last; these clients
only read, so a server sharing the committed data serves them as they are.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pyogrio
import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.cache import caches
from django.db import connection
from django.test.testcases import LiveServerThread
from owslib.ogcapi.features import Features

from layers.tiles.cache import TILES_CACHE

OGRINFO = shutil.which("ogrinfo")
# Requests to the local server must not go through a proxy of the environment.
LOCAL = {**os.environ, "NO_PROXY": "localhost,127.0.0.1", "no_proxy": "localhost,127.0.0.1"}
BOX = (23.72, 37.97, 23.74, 37.99)  # Omonia to Syntagma, lon/lat
# The services collection: active services' places with a position.
LOCATED = """
    FROM mapping_serviceatlocation sal
    JOIN mapping_service s ON s.id = sal.service_id
    JOIN mapping_location l ON l.id = sal.location_id
    WHERE s.status = 'active' AND l.point IS NOT NULL
"""
LOCATED_SQL = (
    "SELECT sal.id::text, ST_X(ST_Transform(l.point, 2100)), ST_Y(ST_Transform(l.point, 2100))"
    + LOCATED
)
IN_BOX_SQL = (
    "SELECT count(*)"
    + LOCATED
    + " AND ST_Intersects(l.point, ST_MakeEnvelope(%s, %s, %s, %s, 4326))"
)


@pytest.fixture(scope="module")
def ogc_url(django_db_setup, django_db_blocker):
    """The landing page of the OGC API on a live server thread (its own connections)."""
    with django_db_blocker.unblock():
        server = LiveServerThread("localhost", StaticFilesHandler)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            yield f"http://localhost:{server.port}/ogc"
        finally:
            server.terminate()
            # The server committed the counts it kept; tests in a transaction change data
            # without committing (no new generation), so they must not find them.
            caches[TILES_CACHE].clear()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", LOCAL["NO_PROXY"])
    monkeypatch.setenv("no_proxy", LOCAL["no_proxy"])


def _located(db) -> dict[str, tuple[float, float]]:
    """Feature id → (x, y) on the Greek Grid, by PostGIS."""
    with connection.cursor() as cursor:
        cursor.execute(LOCATED_SQL)
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _ogrinfo(*args: str) -> str:
    result = subprocess.run(
        [OGRINFO, "-ro", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=LOCAL,
        check=True,
    )
    return result.stdout + result.stderr


needs_ogrinfo = pytest.mark.skipif(OGRINFO is None, reason="Debian's gdal-bin is not installed")


@needs_ogrinfo
def test_gdal_lists_the_collections(ogc_url, db):
    listing = _ogrinfo(f"OAPIF:{ogc_url}")
    layers = dict(re.findall(r"^\d+: (\S+) \(title: .*\) \((.*)\)$", listing, re.MULTILINE))
    assert layers["services"] == "Point"
    assert layers["organizations"] == "Multi Point"
    assert layers["districts"] == layers["tracts"] == "Multi Polygon"
    assert "coverage-health" in layers


@needs_ogrinfo
def test_gdal_counts_features_and_filters_by_bbox(ogc_url, db):
    summary = _ogrinfo("-so", f"OAPIF:{ogc_url}", "services")
    assert f"Feature Count: {len(_located(db))}" in summary
    assert "Geometry: Point" in summary
    districts = _ogrinfo("-so", f"OAPIF:{ogc_url}", "districts")
    assert "Feature Count: 7" in districts
    # GDAL sends the spatial filter as bbox.
    boxed = _ogrinfo("-so", "-spat", *map(str, BOX), f"OAPIF:{ogc_url}", "services")
    with connection.cursor() as cursor:
        cursor.execute(IN_BOX_SQL, BOX)
        inside = cursor.fetchone()[0]
    assert f"Feature Count: {inside}" in boxed


@needs_ogrinfo
def test_gdal_follows_the_next_links(ogc_url, db):
    output = _ogrinfo(
        "--debug", "on", "-al", "-q", "-oo", "PAGE_SIZE=50", f"OAPIF:{ogc_url}", "services"
    )
    ids = re.findall(r"^  id \(String\) = (\S+)$", output, re.MULTILINE)
    located = _located(db)
    assert len(ids) == len(set(ids)) == len(located)
    assert set(ids) == set(located)
    pages = re.findall(r"Fetch\(\S*/collections/services/items\?\S*offset=(\d+)", output)
    assert pages == [str(offset) for offset in range(50, len(located), 50)]


def test_owslib_reads_the_api(ogc_url, db):
    api = Features(ogc_url)
    assert (
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
        in (api.conformance()["conformsTo"])
    )
    ids = [c["id"] for c in api.collections()["collections"]]
    assert ids[:5] == ["services", "organizations", "neighbourhoods", "districts", "tracts"]
    assert api.collection("tracts")["storageCrs"].endswith("OGC/1.3/CRS84")
    assert "/collections/services/items" in api.api()["paths"]
    page = api.collection_items("services", limit=5, theme="health")
    assert len(page["features"]) == 5 and page["numberMatched"] > 5
    assert all("health" in f["properties"]["themes"] for f in page["features"])
    boxed = api.collection_items("services", bbox=list(BOX), limit=1000)
    for feature in boxed["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert BOX[0] <= lon <= BOX[2] and BOX[1] <= lat <= BOX[3]
    one = page["features"][0]["id"]
    assert api.collection_item("services", one)["id"] == one


# pyogrio holds the GIL while GDAL reads, so it runs in a process of its own: in this one it
# would stop the server thread from answering.
PYOGRIO_READ = """
import json, sys
import pyogrio
frame = pyogrio.read_dataframe(sys.argv[1], layer="services", CRS="EPSG:2100")
points = {i: [p.x, p.y] for i, p in zip(frame["id"], frame.geometry)}
print(json.dumps({"epsg": frame.crs.to_epsg(), "points": points}))
"""


def test_pyogrio_reads_the_greek_grid_within_a_centimetre(ogc_url, db):
    """pyogrio's own GDAL (3.12) has the OAPIF driver with the CRS open option (GDAL ≥ 3.7;
    Debian's 3.6 has not): it asks the server for EPSG:2100, and the coordinates must be
    PostGIS's ST_Transform(point, 2100) to the centimetre."""
    assert "OAPIF" in pyogrio.list_drivers()
    result = subprocess.run(
        [sys.executable, "-c", PYOGRIO_READ, f"OAPIF:{ogc_url}"],
        capture_output=True,
        text=True,
        timeout=180,
        env=LOCAL,
        check=True,
    )
    read = json.loads(result.stdout)
    assert read["epsg"] == 2100
    expected = _located(db)
    assert read["points"].keys() == expected.keys()
    for feature_id, (x, y) in read["points"].items():
        want_x, want_y = expected[feature_id]
        assert abs(x - want_x) < 0.01 and abs(y - want_y) < 0.01, feature_id
