"""The HSDS 3.0 export: everything published, as a Frictionless tabular data package.

Layout of the export directory:

- one CSV per table of the HSDS descriptor (``organizations.csv``, ``services.csv``, …, all 21;
  tables we hold nothing for have their header only), fields in the descriptor's order, rows by
  id, UTF-8, comma-separated, CRLF line ends;
- ``datapackage.json``: the HSDS descriptor's resources and table schemas, with our sources
  and licences;
- ``services.json``: a JSON array of the fully nested services (each valid against HSDS
  ``schema/service.json``), by id — the same objects ``GET /hsds/services/{id}`` returns.

The tables are the flattened nested objects (:func:`flatten`), so CSV and JSON cannot disagree.
Nothing in the output depends on the time or the order of reads: two exports of the same data
are identical byte for byte.
"""

import copy
import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.db import connection, transaction

from geodata.attribution import ATTRIBUTION_HEADING
from geodata.sources import DATA_ROOT
from layers.hsds import nested, reads
from layers.hsds.nested import JSONObject
from layers.hsds.rows import Row
from layers.hsds.spec import descriptor, table_fields
from layers.hsds.terms import all_taxonomy_rows, all_term_rows
from mapping.hsds import GENERATED_TAXONOMIES, PROVENANCE_TAXONOMY

SERVICES_JSON = "services.json"
DESCRIPTOR_NAME = "datapackage.json"
CHUNK = 500  # services nested per round of queries

# Which table a nested key holds (HSDS object keys → table names).
CHILD_TABLES = {
    "organization": "organization",
    "service": "service",
    "services": "service",
    "location": "location",
    "locations": "location",
    "service_at_locations": "service_at_location",
    "phones": "phone",
    "schedules": "schedule",
    "service_areas": "service_area",
    "languages": "language",
    "required_documents": "required_document",
    "contacts": "contact",
    "attributes": "attribute",
    "addresses": "address",
    "accessibility": "accessibility",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
}

# Fields HSDS requires that our records may leave empty. We do not invent values for them: the
# package's schemas mark them optional instead, and its description says so.
MAY_BE_EMPTY = {
    "organization": ("description",),
    "taxonomy": ("description",),
    "taxonomy_term": ("description",),
    "address": ("address_1", "city", "state_province", "postal_code"),
}

# Licences recognised in a record's licence text, by a lower-case part of it.
KNOWN_LICENCES = {
    "odbl": ("ODbL-1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    "cc0": ("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "cc by 4.0": ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/"),
}
# Geography behind the district and neighbourhood terms: attribution block items starting so.
GEOGRAPHY_SOURCES = ("Municipal districts", "Municipality boundary", "Neighbourhoods")
HSDS_SOURCE = {
    "title": "Human Services Data Specification 3.0 (the table schemas): an Open Referral "
    "resource, CC BY-SA 4.0",
    "path": "https://openreferral.org/",
}


class ExportError(Exception):
    """The export cannot be written where asked (the message says why)."""


def _empty_as_none(value: object) -> object:
    return None if value == "" else value


def batched(items: Iterable, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (itertools.batched arrives with Python 3.12)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def flatten(table: str, obj: JSONObject) -> Iterator[tuple[str, Row]]:
    """The rows a nested object is made of: its own, then its children's, recursively."""
    yield table, {name: _empty_as_none(obj.get(name)) for name in table_fields()[table]}
    for key, value in obj.items():
        child = CHILD_TABLES.get(key)
        if child is not None:
            for item in value if isinstance(value, list) else [value]:
                yield from flatten(child, item)


@dataclass
class Tables:
    """Rows by table and id; a row met twice (a location in several services) must be equal."""

    rows: dict[str, dict[str, Row]] = field(default_factory=dict)

    def add(self, table: str, obj: JSONObject) -> None:
        for name, row in flatten(table, obj):
            known = self.rows.setdefault(name, {}).setdefault(row["id"], row)
            if known != row:
                raise ValueError(f"{name} {row['id']} differs between two nested objects")

    def sorted_rows(self, table: str) -> list[Row]:
        return [row for _, row in sorted(self.rows.get(table, {}).items())]


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _write_csv(path: Path, fields: tuple[str, ...], rows: list[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(fields)
        writer.writerows([_cell(row[name]) for name in fields] for row in rows)


def _json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _output_names() -> set[str]:
    names = {resource["path"] for resource in descriptor()["resources"]}
    return names | {DESCRIPTOR_NAME, SERVICES_JSON}


def prepare_directory(directory: Path, *, overwrite: bool) -> None:
    """Create ``directory``, or accept it empty; with ``overwrite``, also one holding only the
    files of an earlier export (nothing else is ever deleted)."""
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} exists and is not a directory.")
    present = {path.name for path in directory.iterdir()} if directory.exists() else set()
    if present and not overwrite:
        raise ExportError(
            f"{directory} is not empty; give --overwrite to replace an earlier export there."
        )
    strangers = present - _output_names()
    if strangers:
        raise ExportError(
            f"{directory} holds files that are not part of an HSDS export "
            f"({', '.join(sorted(strangers))}); choose an empty directory."
        )
    directory.mkdir(parents=True, exist_ok=True)


def _services_in_chunks() -> Iterator[JSONObject]:
    """Every published service fully nested, by id, ``CHUNK`` at a time."""
    ids = reads.published_services().order_by("pk").values_list("pk", flat=True)
    for chunk in batched(ids, CHUNK):
        services = reads.services_nested(reads.published_services().filter(pk__in=chunk))
        yield from (nested.service_object(s) for s in services.order_by("pk"))


def _organizations() -> Iterator[JSONObject]:
    """Every published organisation with its contacts, phones and places (services are
    exported from the services)."""
    organizations = reads.published_organizations().order_by("pk")
    for chunk in batched(organizations.values_list("pk", flat=True), CHUNK):
        chunk_organizations = reads.published_organizations().filter(pk__in=chunk)
        for organization in reads.organizations_nested(chunk_organizations, full_services=False):
            yield nested.organization_full(organization)


def _attribution_items() -> list[str]:
    """Items of the city data README's attribution block that name the geography we use."""
    readme = (DATA_ROOT / "athens" / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(ATTRIBUTION_HEADING) :].split("\n", 1)[1].split("\n## ", 1)[0]
    items = [" ".join(item.split()) for item in block.split("\n- ") if item.strip()]
    items = [item.removeprefix("- ") for item in items]
    return [item for item in items if item.startswith(GEOGRAPHY_SOURCES)]


def _licence(text: str) -> dict[str, str]:
    for part, (name, path) in KNOWN_LICENCES.items():
        if part in text.lower():
            return {"name": name, "path": path, "title": text}
    return {"name": "other-at", "title": text}  # Open Definition: other, with attribution


def _provenance(tables: Tables) -> tuple[list[dict], list[dict]]:
    """Sources and licences of the exported records (their provenance attributes), plus the
    geography and HSDS itself; each listed once, sorted."""
    values: dict[str, set[str]] = {"source": set(), "source-licence": set()}
    terms = {row["id"]: row["code"] for row in tables.sorted_rows("taxonomy_term")}
    for attribute in tables.sorted_rows("attribute"):
        code = terms[attribute["taxonomy_term_id"]]
        if code in values and attribute["link_type"] == "provenance":
            values[code].add(attribute["value"])
    sources = [{"title": title} for title in sorted(values["source"])]
    sources += [{"title": item} for item in _attribution_items()]
    sources.append(HSDS_SOURCE)
    licences = [_licence(text) for text in sorted(values["source-licence"])]
    return sources, licences


def _descriptor(tables: Tables) -> dict:
    hsds = descriptor()
    resources = []
    for resource in copy.deepcopy(hsds["resources"]):
        resource["encoding"] = "utf-8"
        optional = MAY_BE_EMPTY.get(resource["name"], ())
        for field_schema in resource["schema"]["fields"]:
            if field_schema["name"] in optional:
                field_schema["constraints"]["required"] = False
        resources.append(resource)
    sources, licences = _provenance(tables)
    relaxed = "; ".join(f"{table}: {', '.join(names)}" for table, names in MAY_BE_EMPTY.items())
    return {
        "profile": "tabular-data-package",
        "name": "hartis-hsds",
        "title": "Hartis: services for migrants and refugees in Athens (Open Referral HSDS 3.0)",
        "description": (
            "The services, organisations and places published by Hartis, as HSDS "
            f"{hsds['version']} tables (the HSDS descriptor's tables and schemas). "
            f"{SERVICES_JSON} holds the same services fully nested (HSDS service JSON). "
            "Fields HSDS requires that our records may leave empty are optional here, not "
            f"invented: {relaxed}. Each record's source and licence are attributes with terms "
            f"of the taxonomy '{GENERATED_TAXONOMIES[PROVENANCE_TAXONOMY]}'; demo records carry "
            "its term 'demo'."
        ),
        "licenses": licences,
        "sources": sources,
        "resources": resources,
    }


@dataclass(frozen=True)
class ExportSummary:
    directory: Path
    rows: dict[str, int]  # table name → rows written


def export_package(directory: Path, *, overwrite: bool = False) -> ExportSummary:
    """Write the HSDS package of everything published into ``directory`` (see the module
    docstring for the layout). Reads one consistent snapshot of the database when called
    outside a transaction. Raises ExportError for a directory it must not write into."""
    prepare_directory(directory, overwrite=overwrite)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            _snapshot()
        tables = Tables()
        with (directory / SERVICES_JSON).open("w", encoding="utf-8", newline="\n") as out:
            out.write("[")
            for number, service in enumerate(_services_in_chunks()):
                tables.add("service", service)
                out.write(",\n" if number else "\n")
                out.write("\n".join("  " + line for line in _json_text(service).split("\n")))
            out.write("\n]\n")
        for organization in _organizations():
            tables.add("organization", organization)
        for taxonomy in all_taxonomy_rows():
            tables.add("taxonomy", nested.as_json("taxonomy", taxonomy))
        for term in all_term_rows():
            tables.add("taxonomy_term", nested.as_json("taxonomy_term", term))
    counts = {}
    for resource in descriptor()["resources"]:
        name = resource["name"]
        rows = tables.sorted_rows(name)
        _write_csv(directory / resource["path"], table_fields()[name], rows)
        counts[name] = len(rows)
    (directory / DESCRIPTOR_NAME).write_text(_json_text(_descriptor(tables)) + "\n", "utf-8")
    return ExportSummary(directory, counts)


def _snapshot() -> None:
    """Make the current transaction read one snapshot (REPEATABLE READ, read only), so rows
    changed while the export runs cannot leave it inconsistent."""
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
