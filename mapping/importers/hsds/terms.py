"""What the HSDS taxonomy terms of a package mean to Hartis (see mapping.hsds).

A term is one of ours — a theme or target group, matched by id or by (taxonomy, code) — a
provenance term, a derived district/neighbourhood term (ignored: recomputed from the point),
or a term of another taxonomy. Hartis does not store other taxonomies: a service's terms are
many-to-many links limited to our two taxonomies, and there is no model for free attributes,
so such terms (and the attributes using them) are read past with a note rather than turned
into orphan vocabulary. A term that claims to be in one of *our* taxonomies but that we do not
have is a problem: an editor adds it in the admin first.
"""

import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

from mapping.hsds import (
    DISTRICTS_TAXONOMY,
    GENERATED_TAXONOMIES,
    NEIGHBOURHOODS_TAXONOMY,
    PROVENANCE_FIELDS,
    PROVENANCE_TAXONOMY,
    generated_taxonomy_id,
    provenance_term_id,
)
from mapping.importers.hsds.records import Problem
from mapping.models import TARGET_GROUPS_TAXONOMY, THEMES_TAXONOMY, Taxonomy, TaxonomyTerm

CATEGORIES = "categories"
TARGET_GROUPS = "target_groups"
PROVENANCE = "provenance"
DERIVED = "derived"
FOREIGN = "foreign"

RELATION_OF_TAXONOMY = {THEMES_TAXONOMY: CATEGORIES, TARGET_GROUPS_TAXONOMY: TARGET_GROUPS}


@dataclass(frozen=True)
class TermRole:
    """``kind`` is one of the constants above; ``target`` our term's id (categories, target
    groups) or the provenance code."""

    kind: str
    target: uuid.UUID | str | None = None


class Vocabulary:
    """Our taxonomies and terms, read once, and the package's terms classified against them."""

    def __init__(self) -> None:
        self.taxonomy_slugs: dict[uuid.UUID, str] = dict(
            Taxonomy.objects.filter(slug__in=RELATION_OF_TAXONOMY).values_list("id", "slug")
        )
        self.taxonomy_slugs.update(
            {generated_taxonomy_id(slug): slug for slug in GENERATED_TAXONOMIES}
        )
        self.by_id: dict[uuid.UUID, TermRole] = {}
        self.by_code: dict[tuple[str, str], uuid.UUID] = {}
        for term_id, code, slug in TaxonomyTerm.objects.filter(
            taxonomy__slug__in=RELATION_OF_TAXONOMY
        ).values_list("id", "code", "taxonomy__slug"):
            self.by_id[term_id] = TermRole(RELATION_OF_TAXONOMY[slug], term_id)
            self.by_code[(slug, code)] = term_id
        for code in PROVENANCE_FIELDS:
            self.by_id[provenance_term_id(code)] = TermRole(PROVENANCE, code)
        self.package_taxonomies: dict[uuid.UUID, str] = {}

    def add_taxonomy(self, taxonomy_id: uuid.UUID, name: str) -> None:
        """A package ``taxonomy`` row: ours when its id or its name is one of our slugs."""
        slug = self.taxonomy_slugs.get(taxonomy_id)
        if slug is None and (name in RELATION_OF_TAXONOMY or name in GENERATED_TAXONOMIES):
            slug = name
        if slug is not None:
            self.package_taxonomies[taxonomy_id] = slug

    def add_term(
        self,
        *,
        table: str,
        row: str,
        term_id: uuid.UUID,
        code: str,
        taxonomy_id: uuid.UUID | None,
        taxonomy: str,
    ) -> Problem | None:
        """Classify a package ``taxonomy_term`` row; a problem when it claims to be ours but
        is unknown."""
        if term_id in self.by_id:
            return None
        slug = None
        if taxonomy_id is not None:
            slug = self.taxonomy_slugs.get(taxonomy_id) or self.package_taxonomies.get(taxonomy_id)
        if slug is None and (taxonomy in RELATION_OF_TAXONOMY or taxonomy in GENERATED_TAXONOMIES):
            slug = taxonomy
        if slug in RELATION_OF_TAXONOMY:
            ours = self.by_code.get((slug, code))
            if ours is None:
                return Problem(
                    table,
                    row,
                    "code",
                    _(
                        "Taxonomy %(taxonomy)s has no term “%(code)s” in Hartis: add it in the "
                        "admin before importing."
                    )
                    % {"taxonomy": slug, "code": code},
                )
            self.by_id[term_id] = TermRole(RELATION_OF_TAXONOMY[slug], ours)
        elif slug == PROVENANCE_TAXONOMY:
            if code not in PROVENANCE_FIELDS:
                return Problem(
                    table,
                    row,
                    "code",
                    _("“%(code)s” is not a provenance term; known: %(known)s.")
                    % {"code": code, "known": ", ".join(PROVENANCE_FIELDS)},
                )
            self.by_id[term_id] = TermRole(PROVENANCE, code)
        elif slug in (DISTRICTS_TAXONOMY, NEIGHBOURHOODS_TAXONOMY):
            self.by_id[term_id] = TermRole(DERIVED)
        else:
            self.by_id[term_id] = TermRole(FOREIGN)
        return None

    def role(self, term_id: uuid.UUID) -> TermRole | None:
        """What a term means to us; None when neither the package nor Hartis has it."""
        return self.by_id.get(term_id)
