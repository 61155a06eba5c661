"""Import of Open Referral HSDS 3.0 data, by the contract of :mod:`mapping.hsds`:
parse (:mod:`.sources`: a tabular data package or a JSON document → raw rows) → validate
(:mod:`.validate`: typed records, links and every problem with its table, row and field) →
one atomic load (:func:`mapping.actions.hsds_import.import_hsds_package`).

Reading never writes; it queries the database only to resolve references to rows Hartis
already has, and the vocabulary (taxonomy terms, languages).
"""

import csv
import io
import json
from pathlib import Path
from typing import IO

from mapping.importers.hsds.records import HSDSPackage, Link, Problem, Record
from mapping.importers.hsds.sources import read_path, read_stream
from mapping.importers.hsds.validate import validate

__all__ = [
    "HSDSPackage",
    "Link",
    "Problem",
    "Record",
    "read_hsds",
    "read_hsds_stream",
    "report_text",
    "write_report",
]

REPORT_COLUMNS = ("table", "row", "field", "message")


def read_hsds(path: Path) -> HSDSPackage:
    """Read and check an HSDS data package directory, a .zip of one, or an HSDS .json file."""
    return validate(read_path(path))


def read_hsds_stream(name: str, stream: IO[bytes]) -> HSDSPackage:
    """Read and check an uploaded .zip data package or .json document."""
    return validate(read_stream(name, stream))


def report_text(problems: list[Problem]) -> str:
    """Problems as CSV text (``table,row,field,message``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    writer.writerows((p.table, p.row, p.field, p.message) for p in problems)
    return out.getvalue()


def write_report(problems: list[Problem], path: Path) -> None:
    """Write ``problems`` to ``path``: JSON (a list of objects) if it ends in .json, else CSV."""
    if path.suffix.lower() == ".json":
        rows = [
            dict(zip(REPORT_COLUMNS, (p.table, p.row, p.field, p.message), strict=True))
            for p in problems
        ]
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        path.write_text(report_text(problems), encoding="utf-8")
