"""What reading an HSDS package gives: raw rows, then valid records, links and problems."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """Something wrong with (or skipped in) the input. ``row`` is the CSV row number, the
    header being row 1, or a JSON pointer in URI-fragment form (``#/0/phones/1``; ``#`` is the
    document itself); ``field`` is the HSDS field, empty when the row or file as a whole is
    meant."""

    table: str
    row: str
    field: str
    message: str


@dataclass
class RawRow:
    """One HSDS row as read: cells by HSDS field name, not yet typed. A key is present when the
    CSV has the column or the JSON object has the key."""

    table: str
    row: str
    values: dict[str, object]


@dataclass
class RawPackage:
    tables: dict[str, list[RawRow]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: RawRow) -> None:
        self.tables.setdefault(row.table, []).append(row)


@dataclass
class Record:
    """One row to write: ``values`` by model field name (every record of a table has the same
    keys), ``parents`` the ids of the rows it points at, by model foreign-key name."""

    table: str
    row: str
    id: uuid.UUID
    values: dict[str, object]
    parents: dict[str, uuid.UUID] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    """A many-to-many link: ``relation`` is "categories", "target_groups" or "languages" of a
    service, or "phone_languages"; ``owner_id`` the service or phone, ``target_id`` the term or
    language."""

    table: str
    row: str
    relation: str
    owner_id: uuid.UUID
    target_id: uuid.UUID


# Our tables in the order they are written (parents first); records are kept under these names.
WRITE_ORDER = (
    "organization",
    "location",
    "service",
    "service_at_location",
    "contact",
    "phone",
    "schedule",
    "service_area",
    "required_document",
)


@dataclass
class HSDSPackage:
    """A read and checked HSDS package. ``records`` and ``links`` hold only what can be written:
    rows without problems whose parents are written too. ``problems`` are the invalid rows;
    ``skipped`` the valid rows left out because a row they depend on is invalid; ``notes`` say
    what was read past on purpose (tables and terms Hartis does not keep)."""

    records: dict[str, dict[uuid.UUID, Record]] = field(
        default_factory=lambda: {table: {} for table in WRITE_ORDER}
    )
    links: list[Link] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Ids of every row read, valid or not, by table: a re-import removes the children of a
    # written parent that the package no longer lists, never those it lists but skipped.
    read_ids: dict[str, set[uuid.UUID]] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.problems


@dataclass
class Row:
    """A raw row being checked: its typed cells and its problems, one per field."""

    raw: RawRow
    cells: dict[str, object]
    id: uuid.UUID | None = None
    errors: dict[str, Problem] = field(default_factory=dict)

    def text(self, name: str) -> str:
        value = self.cells.get(name)
        return "" if value is None else str(value)

    def error(self, field_name: str, message: str) -> None:
        """Record a problem; the first one per field stands (later ones follow from it)."""
        self.errors.setdefault(
            field_name, Problem(self.raw.table, self.raw.row, field_name, message)
        )


@dataclass
class Candidate:
    """What a row adds to the package once it and the rows it depends on are valid."""

    row: Row
    depends_on: list[tuple[str, uuid.UUID]]
    apply: Callable[[], None]
