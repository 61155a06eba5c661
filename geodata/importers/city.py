"""Load one municipality's geography: parse → validate → one atomic load.

Every file is read and validated before anything is written, and the write is one transaction,
so bad input leaves the database as it was. Re-running with unchanged files does nothing (a
checksum of the files is kept on the municipality); with changed files, or ``force``, rows are
updated in place (natural keys: district number, neighbourhood slug, tract code), so primary
keys stay stable for the directory's foreign keys.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum

from geodata.importers.vector import (
    Feature,
    SourceDataError,
    as_multipolygon,
    number,
    read_features,
    required,
)
from geodata.models import CensusTract, District, Municipality, Neighbourhood
from geodata.names import latin_name, latin_slug
from geodata.signals import geography_loaded
from geodata.sources import CitySource, LayerSource
from geodata.spatial import GeographyArea, OverlapArea, PointInside

T = TypeVar("T")
Progress = Callable[[Iterable[Feature], str], Iterable[Feature]]


def no_progress(features: Iterable[Feature], label: str) -> Iterable[Feature]:
    return features


@dataclass
class ParsedCity:
    """Validated, unsaved rows of one city."""

    municipality: Municipality
    districts: list[District]
    neighbourhoods: list[Neighbourhood]
    tracts: list[CensusTract]


@dataclass(frozen=True)
class LoadSummary:
    municipality: Municipality
    districts: int
    neighbourhoods: int
    tracts: int
    population_2011: float
    unchanged: bool = False  # the files were already loaded; nothing was written


# Part of the checksum: bump it when the loader writes different rows from the same files.
LOADER_VERSION = "1"


def source_checksum(source: CitySource) -> str:
    """SHA-256 over the loader version and the bytes of every file the city loads from."""
    digest = hashlib.sha256(LOADER_VERSION.encode())
    for layer in (source.municipality, source.districts, source.neighbourhoods, source.tracts):
        path = source.path(layer)
        if not path.is_file():
            raise SourceDataError(path, "file not found")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _parse_layer(
    source: CitySource,
    layer: LayerSource,
    build: Callable[[Feature], T],
    progress: Progress,
    label: str,
) -> list[T]:
    path = source.path(layer)
    rows = [
        build(feature) for feature in progress(read_features(path, encoding=layer.encoding), label)
    ]
    if not rows:
        raise SourceDataError(path, "has no features")
    return rows


def _unique(
    rows: list[T], key: Callable[[T], object], source: CitySource, layer: LayerSource, what: str
) -> None:
    seen: set[object] = set()
    for row in rows:
        if key(row) in seen:
            raise SourceDataError(source.path(layer), f"duplicate {what} {key(row)!r}")
        seen.add(key(row))


def parse_city(source: CitySource, progress: Progress = no_progress) -> ParsedCity:
    """Read and validate all of a city's files; raise SourceDataError on the first problem."""
    municipality_path = source.path(source.municipality)
    municipality_features = list(read_features(municipality_path))
    if len(municipality_features) != 1:
        raise SourceDataError(
            municipality_path,
            f"expected 1 municipality outline, found {len(municipality_features)}",
        )
    municipality = Municipality(
        code=source.code,
        slug=source.slug,
        name=source.name,
        name_en=source.name_en,
        population_2011=source.population_2011,
        population_2021=source.population_2021,
        geom=as_multipolygon(municipality_features[0], municipality_path),
    )

    d_layer, d_path = source.districts, source.path(source.districts)

    def build_district(feature: Feature) -> District:
        greek = str(required(feature, d_path, d_layer.fields["name"]))
        english = str(feature.properties.get(d_layer.fields["name_en"]) or "").strip()
        return District(
            number=int(number(feature, d_path, d_layer.fields["number"], low=1, high=999)),
            # The file abbreviates "Δημοτική Κοινότητα" as "ΔΚ" and gives "1st" for English.
            name=greek.replace("ΔΚ", "Δημοτική Κοινότητα"),
            name_en=f"{english} Municipal District" if english else "",
            geom=as_multipolygon(feature, d_path),
        )

    n_layer, n_path = source.neighbourhoods, source.path(source.neighbourhoods)

    def build_neighbourhood(feature: Feature) -> Neighbourhood:
        greek = str(required(feature, n_path, n_layer.fields["name"])).strip()
        return Neighbourhood(
            name=greek,
            name_en=latin_name(greek),
            slug=latin_slug(greek),
            geom=as_multipolygon(feature, n_path),
        )

    t_layer, t_path = source.tracts, source.path(source.tracts)

    def build_tract(feature: Feature) -> CensusTract:
        code = str(required(feature, t_path, t_layer.fields["code"])).strip()
        geom = as_multipolygon(feature, t_path)
        return CensusTract(
            code=code,
            name=code,
            population_2011=number(
                feature, t_path, t_layer.fields["population_2011"], low=0, high=1e6
            ),
            migrant_share=number(feature, t_path, t_layer.fields["migrant_share"], low=0, high=1),
            elderly_share=number(feature, t_path, t_layer.fields["elderly_share"], low=0, high=1),
            area_m2=0.0,  # measured in PostGIS on load (geography), not trusted from the file
            geom=geom,
        )

    districts = _parse_layer(source, d_layer, build_district, progress, "districts")
    neighbourhoods = _parse_layer(source, n_layer, build_neighbourhood, progress, "neighbourhoods")
    tracts = _parse_layer(source, t_layer, build_tract, progress, "census tracts")
    _unique(districts, lambda d: d.number, source, d_layer, "district number")
    _unique(neighbourhoods, lambda n: n.slug, source, n_layer, "neighbourhood")
    _unique(tracts, lambda t: t.code, source, t_layer, "tract code")
    return ParsedCity(municipality, districts, neighbourhoods, tracts)


def _upsert(model: type, rows: list, unique_fields: list[str], update_fields: list[str]) -> None:
    model.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields
    )


def _assign_parents(municipality: Municipality) -> None:
    """Set neighbourhood → district (largest overlap, m²) and tract → district/neighbourhood
    (the area holding the tract's point-on-surface), each as one set-based UPDATE."""
    largest_overlap = (
        District.objects.filter(municipality=municipality, geom__intersects=OuterRef("geom"))
        .annotate(overlap_m2=OverlapArea("geom", OuterRef("geom")))
        .order_by("-overlap_m2")
        .values("pk")[:1]
    )
    Neighbourhood.objects.filter(municipality=municipality).update(
        district=Subquery(largest_overlap)
    )
    inside = PointInside(OuterRef("geom"))
    CensusTract.objects.filter(municipality=municipality).update(
        district=Subquery(
            District.objects.filter(municipality=municipality).covering(inside).values("pk")[:1]
        ),
        neighbourhood=Subquery(
            Neighbourhood.objects.filter(municipality=municipality)
            .covering(inside)
            .values("pk")[:1]
        ),
        area_m2=GeographyArea("geom"),
    )


def write_city(parsed: ParsedCity, checksum: str = "") -> LoadSummary:
    """Write validated rows in one transaction; remove rows of this city no longer in the files."""
    fields = ("slug", "name", "name_en", "population_2011", "population_2021", "geom")
    with transaction.atomic():
        municipality, _ = Municipality.objects.update_or_create(
            code=parsed.municipality.code,
            defaults={
                "source_checksum": checksum,
                **{field: getattr(parsed.municipality, field) for field in fields},
            },
        )
        for row in [*parsed.districts, *parsed.neighbourhoods, *parsed.tracts]:
            row.municipality = municipality
        _upsert(District, parsed.districts, ["municipality", "number"], ["name", "name_en", "geom"])
        _upsert(
            Neighbourhood,
            parsed.neighbourhoods,
            ["municipality", "slug"],
            ["name", "name_en", "geom"],
        )
        _upsert(
            CensusTract,
            parsed.tracts,
            ["municipality", "code"],
            ["name", "population_2011", "migrant_share", "elderly_share", "geom"],
        )
        District.objects.filter(municipality=municipality).exclude(
            number__in=[d.number for d in parsed.districts]
        ).delete()
        Neighbourhood.objects.filter(municipality=municipality).exclude(
            slug__in=[n.slug for n in parsed.neighbourhoods]
        ).delete()
        CensusTract.objects.filter(municipality=municipality).exclude(
            code__in=[t.code for t in parsed.tracts]
        ).delete()
        _assign_parents(municipality)
        transaction.on_commit(
            lambda: geography_loaded.send(sender=Municipality, municipality=municipality)
        )
    return summarize(municipality)


def summarize(municipality: Municipality, *, unchanged: bool = False) -> LoadSummary:
    tracts = CensusTract.objects.filter(municipality=municipality)
    return LoadSummary(
        municipality=municipality,
        districts=municipality.districts.count(),
        neighbourhoods=municipality.neighbourhoods.count(),
        tracts=tracts.count(),
        population_2011=tracts.aggregate(total=Sum("population_2011"))["total"] or 0.0,
        unchanged=unchanged,
    )


def load_city(
    source: CitySource, progress: Progress = no_progress, *, force: bool = False
) -> LoadSummary:
    """Parse, validate and load ``source``, all or nothing; skip files already loaded."""
    checksum = source_checksum(source)
    loaded = Municipality.objects.defer("geom").filter(code=source.code).first()
    if loaded is not None and loaded.source_checksum == checksum and not force:
        return summarize(loaded, unchanged=True)
    return write_city(parse_city(source, progress), checksum)
