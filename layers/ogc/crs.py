"""Coordinate reference systems of the OGC API (Features Part 2: ``crs``, ``bbox-crs``).

Storage is EPSG:4326 with longitude first (geodata.spatial), which is what the OGC calls
CRS84: the default, returned without any transform. The others are made in PostgreSQL on the
way out, never in Python:

- ``EPSG:4326`` as the EPSG register defines it, **latitude first**: coordinates flipped
  (``ST_FlipCoordinates``), and a ``bbox`` in it read as ``lat,lon,lat,lon``;
- ``EPSG:3857`` (web Mercator) and ``EPSG:2100`` (Greek Grid), in metres: ``ST_Transform``.

Degrees are written with 6 decimals (about 0.1 m), metres with 2 (a centimetre).

A ``bbox`` is turned into a 4326 polygon, a constant expression the GiST index on the stored
column answers; the column itself is never transformed in a ``WHERE``.
"""

from dataclasses import dataclass

from django.contrib.gis.db.models import GeometryField
from django.db.models.expressions import RawSQL
from psycopg import sql

from geodata.spatial import METRIC_SRID, STORAGE_SRID

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{srid}"

# A projected bbox is cut into this many pieces per side before ST_Transform, so its edges
# bend as they should in 4326 instead of being straight lines between transformed corners.
BBOX_EDGE_PIECES = 64


@dataclass(frozen=True)
class Crs:
    """One supported CRS: its URI, PostGIS SRID, axis order and unit."""

    uri: str
    srid: int
    lat_first: bool = False  # EPSG:4326 by the register: latitude, then longitude
    metres: bool = False

    @property
    def precision(self) -> int:
        """Decimals written: 2 for metres (1 cm), 6 for degrees (about 0.1 m)."""
        return 2 if self.metres else 6

    @property
    def geographic(self) -> bool:
        return not self.metres

    @property
    def header(self) -> str:
        """The ``Content-Crs`` header value: the URI in angle brackets."""
        return f"<{self.uri}>"

    def output(self, geometry: sql.Composable) -> sql.Composable:
        """``geometry`` (EPSG:4326, lon/lat) as this CRS writes it, for ST_AsGeoJSON."""
        if self.lat_first:
            return sql.SQL("ST_FlipCoordinates({})").format(geometry)
        if self.srid != STORAGE_SRID:
            return sql.SQL("ST_Transform({}, {})").format(geometry, sql.Literal(self.srid))
        return geometry

    def envelope(self, bbox: tuple[float, float, float, float]) -> RawSQL:
        """``bbox`` (four numbers in this CRS's axis order) as a 4326 polygon, an expression
        for a geometry lookup. Its numbers are parameters of a constant expression, so the
        planner sees the box and estimates how many rows it selects. A lon/lat box whose
        west edge is east of its east edge crosses the antimeridian: two boxes."""
        if self.lat_first:
            south, west, north, east = bbox
        else:
            west, south, east, north = bbox
        if self.geographic and west <= east:
            text, values = "ST_MakeEnvelope(%s, %s, %s, %s, 4326)", (west, south, east, north)
        elif self.geographic:
            text = (
                "ST_Collect(ST_MakeEnvelope(%s, %s, 180, %s, 4326),"
                " ST_MakeEnvelope(-180, %s, %s, %s, 4326))"
            )
            values = (west, south, north, south, east, north)
        else:
            piece = max(east - west, north - south, 1.0) / BBOX_EDGE_PIECES
            text = "ST_Transform(ST_Segmentize(ST_MakeEnvelope(%s, %s, %s, %s, %s), %s), 4326)"
            values = (west, south, east, north, self.srid, piece)
        return RawSQL(text, values, output_field=GeometryField(srid=STORAGE_SRID))


CRS84 = Crs(CRS84_URI, STORAGE_SRID)
SUPPORTED: dict[str, Crs] = {
    crs.uri: crs
    for crs in (
        CRS84,
        Crs(EPSG_URI.format(srid=4326), 4326, lat_first=True),
        Crs(EPSG_URI.format(srid=3857), 3857, metres=True),
        Crs(EPSG_URI.format(srid=METRIC_SRID), METRIC_SRID, metres=True),
    )
}
# Every collection is stored in 4326 lon/lat: CRS84, so storage needs no transform.
STORAGE_CRS = CRS84


def supported_uris() -> list[str]:
    """The ``crs`` list of every collection, CRS84 first (the default)."""
    return list(SUPPORTED)
