"""Taxonomies, terms and attributes: our vocabulary and the generated taxonomies of
:mod:`mapping.hsds` (districts, neighbourhoods, provenance), as HSDS rows.

Themes and target groups are ``Taxonomy``/``TaxonomyTerm`` rows with their own ids. District
and neighbourhood terms are made from geodata, provenance terms from :data:`PROVENANCE_TERMS`;
their ids are derived, so every export names them the same.
"""

import unicodedata
from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from geodata.models import District, Neighbourhood
from layers.hsds.rows import VOCABULARY_LANGUAGE, Row, make_row, uuid_text
from mapping.hsds import (
    DISTRICTS_TAXONOMY,
    GENERATED_TAXONOMIES,
    LINK_DISTRICT,
    LINK_NEIGHBOURHOOD,
    LINK_PROVENANCE,
    LINK_TARGET_GROUP,
    LINK_THEME,
    NEIGHBOURHOODS_TAXONOMY,
    PROVENANCE_FIELDS,
    PROVENANCE_TAXONOMY,
    attribute_id,
    district_term_id,
    generated_taxonomy_id,
    neighbourhood_term_id,
    provenance_term_id,
)
from mapping.models import Location, Organization, Service, Taxonomy, TaxonomyTerm

# Name and description of each provenance term (codes are the keys of PROVENANCE_FIELDS).
PROVENANCE_TERMS: dict[str, tuple[Promise, Promise]] = {
    "source": (_("Source"), _("Who published the record, e.g. OpenStreetMap or an organisation.")),
    "source-url": (_("Source URL"), _("Where the source publishes the record.")),
    "source-licence": (_("Licence"), _("The licence under which the source publishes it.")),
    "source-record-id": (_("Identifier at the source"), _("The record's id in the source.")),
    "demo": (
        _("Demonstration record"),
        _("Invented for demonstration, not a real service; the value is “true”."),
    ),
}


@dataclass(frozen=True)
class Link:
    """One HSDS attribute (a term linked to a row) and the row of its term, for nesting."""

    attribute: Row
    term: Row


def taxonomy_row(taxonomy: Taxonomy) -> Row:
    return make_row(
        "taxonomy",
        id=str(taxonomy.id),
        name=taxonomy.name,
        description=taxonomy.description,
        uri=taxonomy.uri,
        version=taxonomy.version,
    )


def generated_taxonomy_row(slug: str) -> Row:
    """One of the taxonomies mapping.hsds generates (districts, neighbourhoods, provenance)."""
    return make_row(
        "taxonomy", id=str(generated_taxonomy_id(slug)), name=GENERATED_TAXONOMIES[slug]
    )


def taxonomy_term_row(term: TaxonomyTerm) -> Row:
    """Our term, its name in English (else Greek); ``term.taxonomy`` must be selected."""
    with translation.override(VOCABULARY_LANGUAGE):
        name, description = str(term.name), str(term.description)
    return make_row(
        "taxonomy_term",
        id=str(term.id),
        code=term.code,
        name=name,
        description=description,
        parent_id=uuid_text(term.parent_id),
        taxonomy=term.taxonomy.name,
        taxonomy_id=str(term.taxonomy_id),
        term_uri=term.term_uri,
    )


def _generated_term_row(slug: str, term_id: object, code: str, name: str, description: str) -> Row:
    return make_row(
        "taxonomy_term",
        id=str(term_id),
        code=code,
        name=name,
        description=description,
        taxonomy=GENERATED_TAXONOMIES[slug],
        taxonomy_id=str(generated_taxonomy_id(slug)),
    )


def district_term_row(district: District) -> Row:
    """``district.municipality`` must be selected. Codes carry the city (``athens-3``) so they
    stay unique in the terms table, as HSDS requires, once there are several cities."""
    city = district.municipality.slug
    return _generated_term_row(
        DISTRICTS_TAXONOMY,
        district_term_id(city, district.number),
        f"{city}-{district.number}",
        district.name_en or district.name,
        district.name,
    )


def neighbourhood_term_row(neighbourhood: Neighbourhood) -> Row:
    city = neighbourhood.municipality.slug
    return _generated_term_row(
        NEIGHBOURHOODS_TAXONOMY,
        neighbourhood_term_id(city, neighbourhood.slug),
        f"{city}-{neighbourhood.slug}",
        neighbourhood.name_en or neighbourhood.name,
        neighbourhood.name,
    )


def provenance_term_row(code: str) -> Row:
    name, description = PROVENANCE_TERMS[code]
    with translation.override(VOCABULARY_LANGUAGE):
        return _generated_term_row(
            PROVENANCE_TAXONOMY, provenance_term_id(code), code, str(name), str(description)
        )


def all_taxonomy_rows() -> list[Row]:
    """Every taxonomy, ours and generated, by id (one query)."""
    rows = [taxonomy_row(taxonomy) for taxonomy in Taxonomy.objects.all()]
    rows += [generated_taxonomy_row(slug) for slug in GENERATED_TAXONOMIES]
    return sorted(rows, key=lambda row: row["id"])


def all_term_rows() -> list[Row]:
    """Every term, ours and generated (each district and neighbourhood of every city we hold),
    by id (three queries)."""
    rows = [taxonomy_term_row(term) for term in TaxonomyTerm.objects.select_related("taxonomy")]
    rows += [district_term_row(d) for d in District.objects.select_related("municipality")]
    rows += [
        neighbourhood_term_row(n)
        for n in Neighbourhood.objects.select_related("municipality").defer("geom")
    ]
    rows += [provenance_term_row(code) for code in PROVENANCE_FIELDS]
    return sorted(rows, key=lambda row: row["id"])


def _link(link_entity: str, link_id: object, link_type: str, term: Row, value: str = "") -> Link:
    attribute = make_row(
        "attribute",
        id=str(attribute_id(link_entity, link_id, term["id"])),
        link_id=str(link_id),
        taxonomy_term_id=term["id"],
        link_type=link_type,
        link_entity=link_entity,
        value=value,
    )
    return Link(attribute, term)


def provenance_links(link_entity: str, record: Organization | Service | Location) -> list[Link]:
    """Source, its URL and licence, the id there, and "demo" (value "true", demo records
    only), each only when set."""
    links = []
    for code, field in PROVENANCE_FIELDS.items():
        value = getattr(record, field)
        if isinstance(value, bool):
            value = "true" if value else ""
        if value:
            term = provenance_term_row(code)
            links.append(_link(link_entity, record.id, LINK_PROVENANCE, term, value))
    return links


def service_links(service: Service) -> list[Link]:
    """Themes and target groups (prefetched, with their taxonomy) and provenance."""
    links = [
        _link("service", service.id, LINK_THEME, taxonomy_term_row(term))
        for term in service.categories.all()
    ]
    links += [
        _link("service", service.id, LINK_TARGET_GROUP, taxonomy_term_row(term))
        for term in service.target_groups.all()
    ]
    return links + provenance_links("service", service)


def location_links(location: Location) -> list[Link]:
    """District and neighbourhood (selected, with their municipality) and provenance."""
    links = []
    if location.district is not None:
        term = district_term_row(location.district)
        links.append(_link("location", location.id, LINK_DISTRICT, term))
    if location.neighbourhood is not None:
        term = neighbourhood_term_row(location.neighbourhood)
        links.append(_link("location", location.id, LINK_NEIGHBOURHOOD, term))
    return links + provenance_links("location", location)


def organization_links(organization: Organization) -> list[Link]:
    return provenance_links("organization", organization)


def _folded(text: str) -> str:
    """Lower case without accents, final sigma as sigma: "Υγεία" and "υγεια" match."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ς", "σ")


def matches(row: Row, text: str) -> bool:
    """Every word of ``text`` is in the row's code, name or description (a taxonomy's or a
    term's), ignoring case and accents. The vocabulary is small, so this runs in Python."""
    haystack = _folded(" ".join(str(row.get(key) or "") for key in ("code", "name", "description")))
    return all(word in haystack for word in _folded(text).split())
