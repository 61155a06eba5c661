"""The tile grid: which z/x/y exist, and how big a pixel is at each zoom.

Tiles are the usual web-map grid ("XYZ", y counted from the north) in EPSG:3857 (Web
Mercator), 256 screen pixels a side, encoded with an extent of 4096 units (1/16 of a pixel).
Every length here is in EPSG:3857 units ("mercator metres"): the unit of the tile grid, so a
tolerance or a cluster cell is the same number of screen pixels anywhere. On the ground a
mercator metre is cos(latitude) metres (≈ 0.79 m in Athens) — nothing here measures the ground.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

EXTENT = 4096  # tile units per tile side (the MVT default)
TILE_PIXELS = 256  # screen pixels per tile side
MAX_ZOOM = 22  # beyond this a pixel is under 4 cm: no map asks for it
WORLD_HALF_WIDTH = 20037508.342789244  # EPSG:3857 x of longitude 180°


def pixel_size(z: int) -> float:
    """The side of one screen pixel at zoom ``z``, in EPSG:3857 units."""
    return 2 * WORLD_HALF_WIDTH / (TILE_PIXELS * 2**z)


@dataclass(frozen=True)
class TileAddress:
    """A tile that exists: 0 ≤ z ≤ MAX_ZOOM and 0 ≤ x, y < 2^z."""

    z: int
    x: int
    y: int

    def __str__(self) -> str:
        return f"{self.z}/{self.x}/{self.y}"


class NoSuchTile(ValueError):
    """The z/x/y given names no tile of the grid; the message says why."""


def tile_address(z: int, x: int, y: int) -> TileAddress:
    """The tile at z/x/y, or NoSuchTile with the range that was broken."""
    if not 0 <= z <= MAX_ZOOM:
        raise NoSuchTile(
            _("No such tile: zoom %(z)s is outside 0…%(max)s.") % {"z": z, "max": MAX_ZOOM}
        )
    last = 2**z - 1
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value <= last:
            raise NoSuchTile(
                _("No such tile: %(name)s %(value)s is outside 0…%(last)s at zoom %(z)s.")
                % {"name": name, "value": value, "last": last, "z": z}
            )
    return TileAddress(z, x, y)
