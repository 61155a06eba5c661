"""How the directory maps onto Open Referral HSDS 3.0: the one contract shared by the HSDS API
and export (``layers.hsds``, which read by it) and the HSDS import (``mapping.importers.hsds``,
which writes by it).

- **Ids.** Our rows keep their own UUIDs as HSDS ids. Rows HSDS has and we keep implicitly
  (a service's language link, a term linked to a service, a location's address, the terms of
  the generated district and provenance taxonomies) get a UUIDv5 derived from what they link
  (:func:`derived_id`), so every export of the same data gives the same ids and a re-import
  matches them instead of duplicating.
- **Themes and target groups** are HSDS taxonomies (our ``Taxonomy`` rows, their ids as they
  are). A service's terms are ``attribute`` rows: ``link_entity`` "service", ``link_type``
  :data:`LINK_THEME` or :data:`LINK_TARGET_GROUP`.
- **District and neighbourhood** of a location: terms of generated taxonomies (one per kind,
  terms from geodata), linked by attributes with ``link_entity`` "location". They are derived
  from the location's point, so the import ignores them and recomputes them.
- **Provenance** (source, its URL and licence, the record's id there, "demo"): attributes with
  terms of the generated :data:`PROVENANCE_TAXONOMY`, the text in ``value``; a demo record has
  the ``demo`` attribute with value "true".
- **A location's address and accessibility** are HSDS rows of their own: one ``address``
  (:func:`address_id`; ``address_type`` = ``location_type``, ``state_province`` empty) when any
  of address_1, address_2, city, region, postal_code is set, and one ``accessibility``
  (:func:`accessibility_id`, the text in ``description``) when the text is set.
- **Opening hours**: one HSDS ``schedule`` per weekly interval, ``freq`` WEEKLY, one ``byday``,
  times in Europe/Athens local time. HSDS 3.0 ``timezone`` is a fixed UTC offset, which Athens
  (EET/EEST) does not have, so it stays empty rather than being wrong half the year.
- **Not in HSDS 3.0**, so neither exported nor imported: a service's text in further languages
  (``ServiceTranslation``) and drawn network catchments.
"""

import uuid

HSDS_VERSION = "3.0"
# The HSDS API's own description; ``GET /hsds/`` names it as ``openapi_url``.
HSDS_OPENAPI_URL = (
    "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
)

# Fixed forever: changing it changes every derived id and breaks re-imports.
HSDS_NAMESPACE = uuid.UUID("6f1d7a0e-3b59-4c1e-8d52-686172746973")

# attribute.link_type values of our own terms.
LINK_THEME = "theme"
LINK_TARGET_GROUP = "target_group"
LINK_DISTRICT = "district"
LINK_NEIGHBOURHOOD = "neighbourhood"
LINK_PROVENANCE = "provenance"

# Generated taxonomies (not Taxonomy rows): their slug → name.
DISTRICTS_TAXONOMY = "hartis-districts"
NEIGHBOURHOODS_TAXONOMY = "hartis-neighbourhoods"
PROVENANCE_TAXONOMY = "hartis-provenance"
GENERATED_TAXONOMIES = {
    DISTRICTS_TAXONOMY: "Municipal districts a location lies in",
    NEIGHBOURHOODS_TAXONOMY: "Neighbourhoods a location lies in",
    PROVENANCE_TAXONOMY: "Where a record comes from (source, licence, demo)",
}

# Provenance term code → the model field (on Organization, Service and Location) it carries.
PROVENANCE_FIELDS = {
    "source": "source",
    "source-url": "source_url",
    "source-licence": "source_licence",
    "source-record-id": "source_record_id",
    "demo": "is_demo",
}


def derived_id(kind: str, *parts: object) -> uuid.UUID:
    """The stable id of an implicit HSDS row of ``kind`` (e.g. "language", "attribute")
    identified by ``parts`` (e.g. the service id and the language code)."""
    return uuid.uuid5(HSDS_NAMESPACE, "|".join([kind, *map(str, parts)]))


def generated_taxonomy_id(slug: str) -> uuid.UUID:
    """Id of one of :data:`GENERATED_TAXONOMIES`."""
    return derived_id("taxonomy", slug)


def district_term_id(city_slug: str, number: int) -> uuid.UUID:
    return derived_id("taxonomy_term", DISTRICTS_TAXONOMY, city_slug, number)


def neighbourhood_term_id(city_slug: str, slug: str) -> uuid.UUID:
    return derived_id("taxonomy_term", NEIGHBOURHOODS_TAXONOMY, city_slug, slug)


def provenance_term_id(code: str) -> uuid.UUID:
    """Id of the provenance term ``code`` (a key of :data:`PROVENANCE_FIELDS`)."""
    return derived_id("taxonomy_term", PROVENANCE_TAXONOMY, code)


def attribute_id(link_entity: str, link_id: object, taxonomy_term_id: object) -> uuid.UUID:
    """Id of the attribute linking one term to one row."""
    return derived_id("attribute", link_entity, link_id, taxonomy_term_id)


def language_link_id(link_entity: str, link_id: object, code: str) -> uuid.UUID:
    """Id of the HSDS ``language`` row saying row ``link_id`` of ``link_entity`` speaks ``code``."""
    return derived_id("language", link_entity, link_id, code)


def address_id(location_id: object) -> uuid.UUID:
    """Id of the one physical address we keep on a location."""
    return derived_id("address", location_id)


def accessibility_id(location_id: object) -> uuid.UUID:
    """Id of the one accessibility text we keep on a location."""
    return derived_id("accessibility", location_id)
