"""From raw HSDS rows to what can be written: typed and checked records, links and problems.

Every row is checked completely (all its problems are reported, one per field), then rows are
resolved parents first: a valid row whose parent is invalid or skipped is skipped too, with
the reason, so ``--skip-invalid`` never writes a service without its organisation.
"""

import uuid
from collections import Counter
from collections.abc import Callable, Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from mapping.importers.hsds.columns import TABLES, CellError, Need, is_empty, read_cell
from mapping.importers.hsds.fields import FK_TABLE, FOREIGN_KEYS, MODELS, RESOLVE_ORDER
from mapping.importers.hsds.links import LinkSteps
from mapping.importers.hsds.records import (
    Candidate,
    HSDSPackage,
    Problem,
    RawPackage,
    RawRow,
    Record,
    Row,
)
from mapping.importers.hsds.tables import TableSteps
from mapping.importers.hsds.terms import Vocabulary
from mapping.models import Language, LocationType


def validate(raw: RawPackage) -> HSDSPackage:
    """Check every row of ``raw``; the package holds what can be written and every problem."""
    return _Validator(raw).run()


class _Validator(TableSteps, LinkSteps):
    """The state of one validation; the table steps are in TableSteps and LinkSteps."""

    def __init__(self, raw: RawPackage) -> None:
        self.package = HSDSPackage(problems=list(raw.problems), notes=list(raw.notes))
        self.rows = {t: [self._typed(r) for r in raw.tables.get(t, [])] for t in TABLES}
        self.by_id: dict[str, dict[uuid.UUID, Row]] = {t: {} for t in TABLES}
        self.candidates: dict[str, list[Candidate]] = {t: [] for t in RESOLVE_ORDER}
        self.ignored: Counter[str] = Counter()
        self.in_database: dict[str, set[uuid.UUID]] = {t: set() for t in MODELS}
        self.provenance: dict[tuple[str, uuid.UUID], dict[str, object]] = {}
        self.addresses: dict[uuid.UUID, list[tuple[str, dict[str, object]]]] = {}
        self.accessibility: dict[uuid.UUID, list[str]] = {}

    # Reading cells ----------------------------------------------------------------------

    def _typed(self, raw: RawRow) -> Row:
        row = Row(raw, {})
        for name, column in TABLES[raw.table].items():
            if name not in raw.values:
                row.cells[name] = None
                if column.need is not Need.OPTIONAL:
                    row.error(name, _("Required by HSDS, but the column (or key) is missing."))
                continue
            value = raw.values[name]
            if is_empty(value):
                row.cells[name] = "" if column.kind == "text" and value is not None else None
                if column.need is Need.REQUIRED:
                    row.error(name, _("Required by HSDS, but empty."))
                continue
            try:
                row.cells[name] = read_cell(value, column.kind)
            except CellError as exc:
                row.cells[name] = None
                row.error(name, str(exc))
        row.id = row.cells.get("id")
        return row

    def _index(self) -> None:
        for table, rows in self.rows.items():
            for row in rows:
                if row.id is None:
                    continue
                first = self.by_id[table].setdefault(row.id, row)
                if first is not row:
                    message = _("Duplicate id %(id)s (rows %(first)s and %(row)s).") % {
                        "id": row.id,
                        "first": first.raw.row,
                        "row": row.raw.row,
                    }
                    first.error("id", message)
                    row.error("id", message)

    def _check_foreign_keys(self) -> None:
        wanted: dict[str, set[uuid.UUID]] = {t: set() for t in MODELS}
        for table, keys in FOREIGN_KEYS.items():
            for row in self.rows[table]:
                for column, target in keys.items():
                    value = row.cells.get(column)
                    if isinstance(value, uuid.UUID) and value not in self.by_id[target]:
                        wanted[target].add(value)
        for row in self.rows["attribute"]:
            entity, link_id = row.text("link_entity").strip().lower(), row.cells.get("link_id")
            if entity in MODELS and isinstance(link_id, uuid.UUID):
                wanted[entity].add(link_id)
        for target, ids in wanted.items():
            if ids:
                self.in_database[target] = set(
                    MODELS[target].objects.filter(id__in=ids).values_list("id", flat=True)
                )
        for table, keys in FOREIGN_KEYS.items():
            for row in self.rows[table]:
                for column, target in keys.items():
                    value = row.cells.get(column)
                    if isinstance(value, uuid.UUID) and not self._known(target, value):
                        row.error(column, self._missing(target, value))

    def _known(self, table: str, row_id: uuid.UUID) -> bool:
        return row_id in self.by_id[table] or row_id in self.in_database.get(table, ())

    @staticmethod
    def _missing(table: str, row_id: object) -> str:
        return _("No %(table)s with id %(id)s in this package or in Hartis.") % {
            "table": table,
            "id": row_id,
        }

    def _clean(self, row: Row, instance: models.Model, fields: dict[str, str]) -> None:
        """Run the model's own field validators (and ``clean``) on ``fields`` (model field →
        HSDS field), so messages read as in the admin. No database queries."""
        exclude = [f.name for f in instance._meta.fields if f.name not in fields]
        try:
            instance.clean_fields(exclude=exclude)
            instance.clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                hsds_field = "" if name == NON_FIELD_ERRORS else fields.get(name, name)
                row.error(hsds_field, " ".join(messages))

    def _candidate(
        self, table: str, row: Row, depends_on: Iterable[tuple[str, object]], apply: Callable
    ) -> None:
        deps = [(t, i) for t, i in depends_on if isinstance(i, uuid.UUID)]
        self.candidates[table].append(Candidate(row, deps, apply))

    def _record(self, table: str, row: Row, values: dict, parents: dict[str, object]) -> None:
        parents = {k: v for k, v in parents.items() if isinstance(v, uuid.UUID)}
        record = Record(table, row.raw.row, row.id, values, parents)

        def add() -> None:
            self.package.records[table][record.id] = record

        self._candidate(table, row, [(FK_TABLE[k], v) for k, v in parents.items()], add)

    # Tables -----------------------------------------------------------------------------

    def run(self) -> HSDSPackage:
        self._index()
        self._check_foreign_keys()
        self.vocabulary = Vocabulary()
        self.languages = dict(Language.objects.values_list("code", "id"))
        for step in (
            self._taxonomies,
            self._organizations,
            self._locations,
            self._addresses,
            self._services,
            self._services_at_locations,
            self._contacts,
            self._phones,
            self._schedules,
            self._service_areas,
            self._required_documents,
            self._languages,
            self._attributes,
        ):
            step()
        self._resolve()
        self._fold()
        self.package.read_ids = {table: set(rows) for table, rows in self.by_id.items()}
        self.package.notes += [f"{note} ({count})" for note, count in sorted(self.ignored.items())]
        return self.package

    # Resolution -------------------------------------------------------------------------

    def _resolve(self) -> None:
        """Apply valid candidates, parents first; skip those depending on a bad row."""
        bad: dict[str, dict[uuid.UUID, str]] = {t: {} for t in TABLES}
        for table in TABLES:
            for row in self.rows[table]:
                self.package.problems += row.errors.values()
                if row.errors and row.id is not None:
                    bad[table][row.id] = row.raw.row
        reported: set[tuple[str, str]] = set()
        for table in RESOLVE_ORDER:
            for candidate in self.candidates[table]:
                row = candidate.row
                if row.errors:
                    continue
                parent = next(((t, i) for t, i in candidate.depends_on if i in bad[t]), None)
                if parent is None:
                    candidate.apply()
                    continue
                if row.id is not None and table in TABLES:
                    bad[table].setdefault(row.id, row.raw.row)
                if (table, row.raw.row) in reported:  # a row with several links: once
                    continue
                reported.add((table, row.raw.row))
                parent_table, parent_id = parent
                self.package.skipped.append(
                    Problem(
                        table,
                        row.raw.row,
                        "",
                        _("Skipped: %(table)s %(id)s (row %(row)s) is invalid or skipped.")
                        % {
                            "table": parent_table,
                            "id": parent_id,
                            "row": bad[parent_table][parent_id],
                        },
                    )
                )

    def _fold(self) -> None:
        """Addresses, accessibility and provenance into the records they describe."""
        records = self.package.records
        for (table, record_id), values in self.provenance.items():
            if record_id in records[table]:
                records[table][record_id].values.update(values)
        for location_id, addresses in self.addresses.items():
            location = records["location"].get(location_id)
            if location is None:
                self.ignored[_("Addresses of locations not in this package, not imported")] += 1
                continue
            physical = [values for kind, values in addresses if kind == LocationType.PHYSICAL]
            location.values.update((physical or [values for _kind, values in addresses])[0])
            if len(addresses) > 1:
                self.ignored[_("Further addresses of a location (Hartis keeps one)")] += 1
        for location_id, texts in self.accessibility.items():
            if location_id in records["location"]:
                records["location"][location_id].values["accessibility"] = "\n\n".join(texts)
