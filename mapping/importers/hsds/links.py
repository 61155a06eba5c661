"""Checking the rows that link: languages, taxonomies and attributes (themes, target groups,
provenance) — a mixin of the validator."""

import uuid

from django.utils.translation import gettext as _

from mapping.hsds import (
    LINK_DISTRICT,
    LINK_NEIGHBOURHOOD,
    LINK_TARGET_GROUP,
    LINK_THEME,
    PROVENANCE_FIELDS,
)
from mapping.importers.hsds.fields import FOREIGN_KEYS, MODELS
from mapping.importers.hsds.records import Link, Row
from mapping.importers.hsds.terms import (
    CATEGORIES,
    DERIVED,
    FOREIGN,
    PROVENANCE,
    TARGET_GROUPS,
)


class LinkSteps:
    """Steps of the rows that link rows to terms, languages and provenance."""

    def _taxonomies(self) -> None:
        for row in self.rows["taxonomy"]:
            if row.id is not None:
                self.vocabulary.add_taxonomy(row.id, row.text("name"))
        for row in self.rows["taxonomy_term"]:
            if row.id is None:
                continue
            problem = self.vocabulary.add_term(
                table="taxonomy_term",
                row=row.raw.row,
                term_id=row.id,
                code=row.text("code"),
                taxonomy_id=row.cells.get("taxonomy_id"),
                taxonomy=row.text("taxonomy"),
            )
            if problem is not None:
                row.error(problem.field, problem.message)
            elif self.vocabulary.role(row.id).kind == FOREIGN:
                self.ignored[_("Terms of taxonomies Hartis does not keep, not imported")] += 1

    def _language(self, code: str) -> uuid.UUID | None:
        code = code.strip().lower().replace("_", "-")
        return self.languages.get(code) or self.languages.get(code.split("-")[0])

    def _languages(self) -> None:
        for row in self.rows["language"]:
            code = row.text("code")
            language = self._language(code) if code.strip() else None
            if not code.strip():
                row.error("code", _("Give the language's ISO 639 code."))
            elif language is None:
                row.error(
                    "code",
                    _("Unknown language code “%(code)s”; Hartis knows %(known)s.")
                    % {"code": code, "known": ", ".join(sorted(self.languages))},
                )
            if row.cells.get("location_id") is not None:
                self.ignored[_("Languages of a location, not imported")] += 1
            for column, relation in (("service_id", "languages"), ("phone_id", "phone_languages")):
                owner_table = FOREIGN_KEYS["language"][column]
                self._link(row, relation, owner_table, row.cells.get(column), language)

    def _link(
        self,
        row: Row,
        relation: str,
        owner_table: str,
        owner_id: object,
        target_id: uuid.UUID | None,
    ) -> None:
        """A many-to-many link of a row in this package; links of rows only in Hartis are
        left alone (the package does not describe those rows)."""
        if not isinstance(owner_id, uuid.UUID):
            return
        if owner_id not in self.by_id[owner_table]:
            if owner_id in self.in_database.get(owner_table, ()):
                self.ignored[_("Links to records not in this package, not imported")] += 1
            return
        link = Link(row.raw.table, row.raw.row, relation, owner_id, target_id)
        self._candidate(
            row.raw.table, row, [(owner_table, owner_id)], lambda: self.package.links.append(link)
        )

    def _attributes(self) -> None:
        for row in self.rows["attribute"]:
            link_type = row.text("link_type").strip().lower()
            entity = row.text("link_entity").strip().lower()
            term_id, link_id = row.cells.get("taxonomy_term_id"), row.cells.get("link_id")
            if link_type in (LINK_DISTRICT, LINK_NEIGHBOURHOOD):
                self.ignored[_("District and neighbourhood attributes (recomputed)")] += 1
                continue
            role = self.vocabulary.role(term_id) if term_id else None
            if role is None:
                if term_id in self.by_id["taxonomy_term"]:  # an invalid term of the package
                    self._candidate("attribute", row, [("taxonomy_term", term_id)], lambda: None)
                elif term_id is not None:
                    row.error(
                        "taxonomy_term_id",
                        _("No taxonomy_term %(id)s in this package, and Hartis has no such term.")
                        % {"id": term_id},
                    )
                continue
            if role.kind == DERIVED:
                self.ignored[_("District and neighbourhood attributes (recomputed)")] += 1
            elif role.kind == FOREIGN:
                self.ignored[_("Attributes with terms of other taxonomies, not imported")] += 1
            elif role.kind == PROVENANCE:
                self._provenance_attribute(row, entity, link_id, role.target)
            else:
                self._term_attribute(row, entity, link_type, link_id, role.kind, role.target)

    def _term_attribute(
        self, row: Row, entity: str, link_type: str, link_id: object, relation: str, term: object
    ) -> None:
        expected = {CATEGORIES: LINK_THEME, TARGET_GROUPS: LINK_TARGET_GROUP}[relation]
        if link_type in (LINK_THEME, LINK_TARGET_GROUP) and link_type != expected:
            row.error(
                "link_type",
                _("link_type is “%(given)s” but the term is a %(kind)s.")
                % {"given": link_type, "kind": expected},
            )
        if entity != "service":
            self.ignored[_("Theme and target-group attributes of other than services")] += 1
            return
        self._attribute_owner(row, "service", link_id)
        self._link(row, relation, "service", link_id, term)

    def _attribute_owner(self, row: Row, entity: str, link_id: object) -> None:
        if isinstance(link_id, uuid.UUID) and not self._known(entity, link_id):
            row.error("link_id", self._missing(entity, link_id))

    def _provenance_attribute(self, row: Row, entity: str, link_id: object, code: str) -> None:
        if entity not in ("organization", "service", "location"):
            row.error(
                "link_entity",
                _("Provenance is kept for organizations, services and locations, not %(entity)s.")
                % {"entity": entity},
            )
            return
        self._attribute_owner(row, entity, link_id)
        model_field = PROVENANCE_FIELDS[code]
        value: object = row.text("value")
        if model_field == "is_demo":
            if str(value).strip().lower() not in ("true", "false"):
                row.error("value", _("The demo attribute's value must be “true” or “false”."))
            value = str(value).strip().lower() == "true"
        else:
            self._clean(row, MODELS[entity](**{model_field: value}), {model_field: "value"})
        if not isinstance(link_id, uuid.UUID) or link_id not in self.by_id[entity]:
            if link_id in self.in_database.get(entity, ()):
                self.ignored[_("Links to records not in this package, not imported")] += 1
            return

        def apply() -> None:
            self.provenance.setdefault((entity, link_id), {})[model_field] = value

        self._candidate("attribute", row, [(entity, link_id)], apply)
