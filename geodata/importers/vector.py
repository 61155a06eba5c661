"""Reading vector files with GDAL (through GeoDjango) into validated EPSG:4326 geometries."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon

from geodata.spatial import STORAGE_SRID


class SourceDataError(Exception):
    """Bad input in a source file; the message names the file and the feature."""

    def __init__(self, path: Path, message: str, feature: int | None = None) -> None:
        self.path = path
        self.feature = feature
        where = f"{path}" if feature is None else f"{path}, feature {feature}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Feature:
    """One feature: its 0-based index in the file, its attributes and its 4326 geometry."""

    index: int
    properties: dict[str, Any]
    geometry: GEOSGeometry | None


def read_features(path: Path, *, encoding: str = "utf-8") -> Iterator[Feature]:
    """Yield every feature of the first layer of ``path``, geometry transformed to EPSG:4326."""
    if not path.is_file():
        raise SourceDataError(path, "file not found")
    try:
        layer = DataSource(str(path), encoding=encoding)[0]
    except (GDALException, IndexError) as exc:
        raise SourceDataError(path, f"GDAL cannot read it as a vector layer ({exc})") from exc
    for index, ogr_feature in enumerate(layer):
        properties = {name: ogr_feature.get(name) for name in ogr_feature.fields}
        geometry = None
        try:
            ogr_geometry = ogr_feature.geom
        except GDALException:
            ogr_geometry = None
        if ogr_geometry is not None:
            geometry = ogr_geometry.geos
            # GeoJSON without a "crs" member is CRS84 = EPSG:4326 by RFC 7946.
            srid = ogr_geometry.srid or STORAGE_SRID
            geometry.srid = srid
            if srid != STORAGE_SRID:
                geometry.transform(STORAGE_SRID)
        yield Feature(index=index, properties=properties, geometry=geometry)


def as_multipolygon(feature: Feature, path: Path) -> MultiPolygon:
    """The feature's geometry as a valid MultiPolygon, or a SourceDataError saying why not."""
    geometry = feature.geometry
    if geometry is None or geometry.empty:
        raise SourceDataError(path, "has no geometry", feature.index)
    if isinstance(geometry, Polygon):
        geometry = MultiPolygon(geometry, srid=geometry.srid)
    if not isinstance(geometry, MultiPolygon):
        raise SourceDataError(
            path, f"geometry is a {geometry.geom_type}, expected a polygon", feature.index
        )
    if not geometry.valid:
        raise SourceDataError(path, f"invalid geometry ({geometry.valid_reason})", feature.index)
    return geometry


def required(feature: Feature, path: Path, name: str) -> Any:
    """The attribute ``name`` of ``feature``; missing or empty is a SourceDataError."""
    value = feature.properties.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise SourceDataError(path, f"attribute {name!r} is missing or empty", feature.index)
    return value


def number(feature: Feature, path: Path, name: str, *, low: float, high: float) -> float:
    """A numeric attribute within [low, high]; anything else is a SourceDataError."""
    value = required(feature, path, name)
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise SourceDataError(
            path, f"attribute {name!r} is not a number: {value!r}", feature.index
        ) from None
    if not low <= result <= high:
        raise SourceDataError(
            path, f"attribute {name!r} = {result} is outside [{low}, {high}]", feature.index
        )
    return result
