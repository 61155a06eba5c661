"""Reading an HSDS input into raw rows: a tabular data package (a directory or a .zip of
``datapackage.json`` and CSVs, or just the CSVs named as HSDS names them) or a JSON document
(one fully nested service, a list of them, or an API page with ``contents``).

Nested JSON is flattened into the same tables as CSV: a nested row gets its parent's id in
its foreign key (a phone under a service gets ``service_id``), so one validation serves both.
An object nested in several places (HSDS repeats a location's phones under the service at
that location) is one row whose foreign keys are merged.
"""

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO

from django.utils.translation import gettext as _

from mapping.importers.hsds.columns import DEFAULT_PATHS, IGNORED_TABLES, TABLES, is_empty
from mapping.importers.hsds.records import Problem, RawPackage, RawRow

# A zip may not unpack to more than this (a zip bomb is a few kilobytes on the wire).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
DATAPACKAGE = "datapackage.json"

Opener = Callable[[], bytes]


def read_path(path: Path) -> RawPackage:
    """Read a package directory, a .zip of one, or an HSDS .json file."""
    if path.is_dir():
        files = {
            p.relative_to(path).as_posix(): p.read_bytes
            for p in sorted(path.rglob("*"))
            if p.is_file() and p.suffix.lower() in (".csv", ".json")
        }
        return _read_tabular(files)
    with path.open("rb") as stream:
        return read_stream(path.name, stream)


def read_stream(name: str, stream: IO[bytes]) -> RawPackage:
    """Read a .zip data package or a .json document from an open binary file."""
    if name.lower().endswith(".zip"):
        return _read_zip(stream)
    if name.lower().endswith(".json"):
        return read_json(stream.read())
    package = RawPackage()
    package.problems.append(
        Problem("", "", "", _("Give a data package (a directory or .zip) or a .json file."))
    )
    return package


def _read_zip(stream: IO[bytes]) -> RawPackage:
    try:
        archive = zipfile.ZipFile(stream)
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir() and info.filename.lower().endswith((".csv", ".json"))
        ]
    except zipfile.BadZipFile:
        package = RawPackage()
        package.problems.append(Problem("", "", "", _("The file is not a valid .zip archive.")))
        return package
    if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES:
        package = RawPackage()
        package.problems.append(
            Problem(
                "",
                "",
                "",
                _("The archive unpacks to more than %(limit)s MB.")
                % {"limit": MAX_UNPACKED_BYTES // (1024 * 1024)},
            )
        )
        return package
    files = {
        info.filename: (lambda info=info: archive.read(info))
        for info in members
        if not info.filename.startswith("__MACOSX/")
    }
    return _read_tabular(files)


def _read_tabular(files: dict[str, Opener]) -> RawPackage:
    """CSV tables of one package; ``files`` maps posix paths to their contents."""
    package = RawPackage()
    # The package root: where datapackage.json is (a zip often wraps it in a folder).
    descriptors = sorted((p for p in files if PurePosixPath(p).name == DATAPACKAGE), key=len)
    if descriptors:
        root = PurePosixPath(descriptors[0]).parent
        paths = _descriptor_paths(files[descriptors[0]](), package)
    else:
        csvs = sorted((p for p in files if p.lower().endswith(".csv")), key=len)
        root = PurePosixPath(csvs[0]).parent if csvs else PurePosixPath(".")
        paths = {}
        for table, default in DEFAULT_PATHS.items():
            for candidate in (default, f"{table}.csv"):
                if _join(root, candidate) in files:
                    paths[table] = (candidate, ",")
                    break
    used = set()
    for table, (relative, delimiter) in paths.items():
        where = _join(root, relative)
        used.add(where)
        if where not in files:
            package.problems.append(
                Problem(
                    table,
                    "",
                    "",
                    _("The file %(path)s named in datapackage.json is missing.")
                    % {"path": relative},
                )
            )
            continue
        if table in TABLES:
            _read_csv(table, files[where](), delimiter, package)
        elif table in IGNORED_TABLES:
            package.notes.append(_("Table %(table)s is not kept by Hartis.") % {"table": table})
    unread = sorted(
        p for p in files if p not in used and p.lower().endswith(".csv") and "/." not in p
    )
    if unread:
        package.notes.append(
            _("Files read past (not HSDS tables): %(files)s") % {"files": ", ".join(unread)}
        )
    if not any(package.tables.values()) and not package.problems:
        package.problems.append(Problem("", "", "", _("No HSDS tables found.")))
    return package


def _join(root: PurePosixPath, relative: str) -> str:
    return (root / relative).as_posix() if str(root) != "." else relative


def _descriptor_paths(data: bytes, package: RawPackage) -> dict[str, tuple[str, str]]:
    """Table → (CSV path, delimiter) from a datapackage.json."""
    try:
        descriptor = json.loads(data.decode("utf-8-sig"))
        resources = descriptor["resources"]
        paths = {}
        for resource in resources:
            path = resource["path"]
            if isinstance(path, list):  # a table split over several files: take the first
                path = path[0]
            delimiter = (resource.get("dialect") or {}).get("delimiter", ",")
            paths[resource["name"]] = (path, delimiter)
    except (ValueError, KeyError, TypeError, AttributeError):
        package.problems.append(
            Problem(
                "",
                "",
                "",
                _("datapackage.json is not a data package descriptor with named resources."),
            )
        )
        return {}
    return paths


def _read_csv(table: str, data: bytes, delimiter: str, package: RawPackage) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        package.problems.append(
            Problem(
                table,
                "",
                "",
                _("The file is not UTF-8 text (byte %(position)s).") % {"position": exc.start},
            )
        )
        return
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=2):
            row = RawRow(table, str(number), values)
            if None in values:  # more cells than the header has columns
                del values[None]
                package.problems.append(
                    Problem(table, row.row, "", _("The row has more cells than the header."))
                )
            package.add(row)
    except csv.Error as exc:
        package.problems.append(
            Problem(
                table, str(reader.line_num), "", _("Unreadable CSV: %(error)s") % {"error": exc}
            )
        )


# Nested lists: key → child table (the child gets ``<parent table>_id``).
_CHILDREN = {
    "organization": {
        "services": "service",
        "locations": "location",
        "phones": "phone",
        "contacts": "contact",
        "attributes": "attribute",
    },
    "service": {
        "phones": "phone",
        "schedules": "schedule",
        "service_areas": "service_area",
        "service_at_locations": "service_at_location",
        "languages": "language",
        "required_documents": "required_document",
        "contacts": "contact",
        "attributes": "attribute",
    },
    "service_at_location": {
        "contacts": "contact",
        "phones": "phone",
        "schedules": "schedule",
        "attributes": "attribute",
    },
    "location": {
        "addresses": "address",
        "accessibility": "accessibility",
        "phones": "phone",
        "contacts": "contact",
        "schedules": "schedule",
        "languages": "language",
        "attributes": "attribute",
    },
    "contact": {"phones": "phone", "attributes": "attribute"},
    "phone": {"languages": "language", "attributes": "attribute"},
}
# Nested objects a row points at: key → (table, foreign key on the row).
_REFERENCES = {
    "service": {"organization": ("organization", "organization_id")},
    "service_at_location": {
        "location": ("location", "location_id"),
        "service": ("service", "service_id"),
    },
    "attribute": {"taxonomy_term": ("taxonomy_term", "taxonomy_term_id")},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "taxonomy_id")},
}


def read_json(data: bytes) -> RawPackage:
    """Flatten an HSDS JSON document (services, or an API page of them) into tables."""
    package = RawPackage()
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        package.problems.append(
            Problem("", "#", "", _("Not a JSON document: %(error)s") % {"error": exc})
        )
        return package
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        items = [(f"#/contents/{n}", item) for n, item in enumerate(document["contents"])]
    elif isinstance(document, list):
        items = [(f"#/{n}", item) for n, item in enumerate(document)]
    else:
        items = [("#", document)]
    flattener = _Flattener(package)
    for pointer, item in items:
        flattener.add(_top_level_table(item), item, pointer, parent=None)
    return package


def _top_level_table(item: object) -> str:
    """A top-level object is a service, unless it is plainly an organisation."""
    if isinstance(item, dict) and "status" not in item and ("services" in item):
        return "organization"
    return "service"


class _Flattener:
    def __init__(self, package: RawPackage) -> None:
        self.package = package
        self.seen: dict[tuple[str, str], RawRow] = {}

    def add(
        self, table: str, obj: object, pointer: str, parent: tuple[str, object] | None
    ) -> object:
        """Add ``obj`` (and what is nested in it) to ``table``; return its id."""
        if not isinstance(obj, dict):
            self.package.problems.append(
                Problem(table, pointer, "", _("Expected a JSON object here."))
            )
            return None
        values = {k: v for k, v in obj.items() if not isinstance(v, dict | list)}
        if parent is not None:
            parent_table, parent_id = parent
            if table == "attribute":
                values["link_id"], values["link_entity"] = parent_id, parent_table
            elif is_empty(values.get(f"{parent_table}_id")):
                values[f"{parent_table}_id"] = parent_id
        references = {
            key: spec
            for key, spec in _REFERENCES.get(table, {}).items()
            if isinstance(obj.get(key), dict)
        }
        for key, (_ref_table, foreign_key) in references.items():
            if is_empty(values.get(foreign_key)):
                values[foreign_key] = obj[key].get("id")
        row = self._merge(RawRow(table, pointer, values))
        for key, child_table in _CHILDREN.get(table, {}).items():
            children = obj.get(key)
            if children is None:
                continue
            if not isinstance(children, list):
                self.package.problems.append(
                    Problem(table, pointer, key, _("Expected a list of objects."))
                )
                continue
            for n, child in enumerate(children):
                self.add(child_table, child, f"{pointer}/{key}/{n}", (table, row.values.get("id")))
        # Nested objects this row points at come after its own children, so a row repeated
        # inside them is reported where it first appears under this row.
        for key, (ref_table, _foreign_key) in references.items():
            self.add(ref_table, obj[key], f"{pointer}/{key}", None)
        return values.get("id")

    def _merge(self, row: RawRow) -> RawRow:
        """The row already read with this id (its foreign keys completed), else ``row``."""
        row_id = row.values.get("id")
        if is_empty(row_id):
            self.package.add(row)
            return row
        key = (row.table, str(row_id).strip().lower())
        first = self.seen.get(key)
        if first is None:
            self.seen[key] = row
            self.package.add(row)
            return row
        for name, value in row.values.items():
            known = first.values.get(name)
            if is_empty(known):
                first.values[name] = value
            elif not is_empty(value) and str(value) != str(known):
                self.package.problems.append(
                    Problem(
                        row.table,
                        row.row,
                        name,
                        _("Duplicate id %(id)s: differs from %(first)s here.")
                        % {"id": row_id, "first": first.row},
                    )
                )
        return first
