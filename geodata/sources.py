"""What to load for each city: files, their attribute names, and official reference figures.

Another municipality is added by describing its files here; the loader does the rest. Paths are
relative to the city's ``data_dir``. Files may be in any CRS GDAL reads (they are transformed to
EPSG:4326 on load) and any format GDAL reads (GeoJSON, shapefile, GeoPackage).
"""

from dataclasses import dataclass, field
from pathlib import Path

DATA_ROOT = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class LayerSource:
    """One vector file and the attribute that holds each value the loader needs."""

    path: str
    fields: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"


@dataclass(frozen=True)
class CitySource:
    """Everything needed to load one municipality's geography."""

    slug: str
    code: str
    name: str
    name_en: str
    data_dir: Path
    municipality: LayerSource
    districts: LayerSource
    neighbourhoods: LayerSource
    tracts: LayerSource
    population_2011: int | None = None
    population_2021: int | None = None

    def path(self, layer: LayerSource) -> Path:
        return self.data_dir / layer.path


ATHENS = CitySource(
    slug="athens",
    code="9186",  # Kallikratis code (ΥΠΕΣ) of the Municipality of Athens
    name="Δήμος Αθηναίων",
    name_en="Municipality of Athens",
    data_dir=DATA_ROOT / "athens",
    # ELSTAT census totals as stated in data/athens/README.md.
    population_2011=664_046,
    population_2021=643_452,
    municipality=LayerSource("boundaries/municipality_athens_kallikratis_9186.geojson"),
    districts=LayerSource(
        "derived/municipal_communities_7dk_wgs84.geojson",
        fields={"number": "no", "name": "name", "name_en": "name_en"},
    ),
    neighbourhoods=LayerSource(
        "boundaries/neighbourhoods_45_insideairbnb.geojson", fields={"name": "neighbourhood"}
    ),
    tracts=LayerSource(
        "derived/census_tracts_2011_athens_494_wgs84_with_pop_est.geojson",
        fields={
            "code": "tract_code",
            "population_2011": "pop2011_est",
            "migrant_share": "Developing_imm",
            "elderly_share": "Elderly",
        },
    ),
)

CITIES: dict[str, CitySource] = {ATHENS.slug: ATHENS}
