"""The HSDS 3.0 tables the import reads, their columns, and how a cell becomes a Python value.

Types follow ``tabular/datapackage.json`` of HSDS 3.0 (text, uuid, number, integer, date,
time, datetime). "Required" has two strengths:
``REQUIRED`` cells must hold a value; ``PRESENT`` columns (or JSON keys) HSDS requires but
Hartis keeps blank (an organisation's description, the parts of an address) must exist and
may be empty, so a directory's own export, which has such blanks, imports again.
"""

import datetime
import math
import re
import uuid
from dataclasses import dataclass
from enum import Enum

from django.utils.translation import gettext as _


class Need(Enum):
    OPTIONAL = "optional"
    PRESENT = "present"
    REQUIRED = "required"


@dataclass(frozen=True)
class Column:
    """One HSDS field: its type (text, uuid, number, integer, date, time) and need."""

    name: str
    kind: str = "text"
    need: Need = Need.OPTIONAL


def _columns(*specs: str) -> dict[str, Column]:
    """``"name:kind!"`` (required) / ``"name:kind?"`` (present, may be empty) → columns."""
    columns = {}
    for spec in specs:
        need = Need.OPTIONAL
        if spec.endswith("!"):
            need, spec = Need.REQUIRED, spec[:-1]
        elif spec.endswith("?"):
            need, spec = Need.PRESENT, spec[:-1]
        name, _sep, kind = spec.partition(":")
        columns[name] = Column(name, kind or "text", need)
    return columns


# Only the columns Hartis reads; any other column is accepted and ignored.
TABLES: dict[str, dict[str, Column]] = {
    "organization": _columns(
        "id:uuid!", "name!", "alternate_name", "description?", "email", "website", "logo"
    ),
    "service": _columns(
        "id:uuid!",
        "organization_id:uuid!",
        "name!",
        "alternate_name",
        "description",
        "url",
        "email",
        "status!",
        "interpretation_services",
        "application_process",
        "fees_description",
        "eligibility_description",
        "minimum_age:integer",
        "maximum_age:integer",
        "assured_date:date",
        "assurer_email",
        "alert",
        "last_modified:datetime",
    ),
    "location": _columns(
        "id:uuid!",
        "location_type!",
        "organization_id:uuid",
        "name",
        "alternate_name",
        "description",
        "transportation",
        "latitude:number",
        "longitude:number",
    ),
    "address": _columns(
        "id:uuid!",
        "location_id:uuid",
        "address_1?",
        "address_2",
        "city?",
        "region",
        "state_province?",
        "postal_code?",
        "country?",
        "address_type!",
    ),
    "accessibility": _columns("id:uuid!", "location_id:uuid", "description", "details"),
    "service_at_location": _columns(
        "id:uuid!", "service_id:uuid!", "location_id:uuid!", "description"
    ),
    "contact": _columns(
        "id:uuid!",
        "organization_id:uuid",
        "service_id:uuid",
        "service_at_location_id:uuid",
        "location_id:uuid",
        "name",
        "title",
        "department",
        "email",
    ),
    "phone": _columns(
        "id:uuid!",
        "organization_id:uuid",
        "service_id:uuid",
        "service_at_location_id:uuid",
        "location_id:uuid",
        "contact_id:uuid",
        "number!",
        "extension:integer",
        "type",
        "description",
    ),
    "schedule": _columns(
        "id:uuid!",
        "service_id:uuid",
        "location_id:uuid",
        "service_at_location_id:uuid",
        "valid_from:date",
        "valid_to:date",
        "freq",
        "interval:integer",
        "count:integer",
        "byday",
        "byweekno",
        "bymonthday",
        "byyearday",
        "opens_at:time",
        "closes_at:time",
        "description",
        "notes",
    ),
    "service_area": _columns(
        "id:uuid!", "service_id:uuid", "name", "description", "extent", "extent_type", "uri"
    ),
    "required_document": _columns("id:uuid!", "service_id:uuid", "document", "uri"),
    "language": _columns(
        "id:uuid!", "service_id:uuid", "location_id:uuid", "phone_id:uuid", "name", "code"
    ),
    "taxonomy": _columns("id:uuid!", "name!", "description?"),
    "taxonomy_term": _columns(
        "id:uuid!", "code", "name!", "description?", "taxonomy", "taxonomy_id:uuid"
    ),
    "attribute": _columns(
        "id:uuid!",
        "link_id:uuid!",
        "taxonomy_term_id:uuid!",
        "link_type",
        "link_entity!",
        "value",
    ),
}

# HSDS tables Hartis does not keep (read past with a note when they hold rows).
IGNORED_TABLES = (
    "program",
    "funding",
    "cost_option",
    "organization_identifier",
    "metadata",
    "meta_table_description",
)

# File names of the HSDS 3.0 tabular package (datapackage.json ``path``), by table.
DEFAULT_PATHS = {
    "organization": "organizations.csv",
    "program": "programs.csv",
    "service": "services.csv",
    "attribute": "attributes.csv",
    "service_at_location": "service_at_location.csv",
    "location": "locations.csv",
    "phone": "phones.csv",
    "contact": "contacts.csv",
    "address": "addresses.csv",
    "schedule": "schedules.csv",
    "funding": "funding.csv",
    "service_area": "service_areas.csv",
    "required_document": "required_documents.csv",
    "language": "languages.csv",
    "accessibility": "accessibility.csv",
    "taxonomy_term": "taxonomy_terms.csv",
    "metadata": "metadata.csv",
    "meta_table_description": "meta_table_descriptions.csv",
    "cost_option": "cost_options.csv",
    "organization_identifier": "organization_identifiers.csv",
    "taxonomy": "taxonomies.csv",
}


class CellError(ValueError):
    """A cell that cannot be read as its type; the message says what was expected."""


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?")


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_cell(value: object, kind: str) -> object:
    """``value`` (a CSV string or a JSON scalar, not empty) as ``kind``; raise CellError."""
    if isinstance(value, dict | list):
        raise CellError(_("Expected a single value, found a JSON object or list."))
    if kind == "text":
        return value if isinstance(value, str) else _text(value)
    text = _text(value).strip()
    if kind == "uuid":
        try:
            return uuid.UUID(text)
        except ValueError:
            raise CellError(_("“%(value)s” is not a UUID.") % {"value": text}) from None
    if kind in ("number", "integer"):
        return _number(value, text, integer=kind == "integer")
    if kind == "date":
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise CellError(
                _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text}
            ) from None
    if kind == "time":
        match = _TIME.fullmatch(text)
        try:
            if match is None:
                raise ValueError
            hour, minute, second = (int(part or 0) for part in match.groups())
            return datetime.time(hour, minute, second)
        except ValueError:
            raise CellError(
                _("“%(value)s” is not a time of day (HH:MM or HH:MM:SS).") % {"value": text}
            ) from None
    if kind == "datetime":
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise CellError(
                _("“%(value)s” is not a date and time (ISO 8601).") % {"value": text}
            ) from None
        # A time without an offset is taken as UTC, as HSDS times are exchanged.
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
    raise AssertionError(f"unknown column kind {kind!r}")


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: object, text: str, *, integer: bool) -> float | int:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value) if isinstance(value, int | float) else float(text)
        if not math.isfinite(number):
            raise ValueError
    except ValueError:
        raise CellError(_("“%(value)s” is not a number.") % {"value": text}) from None
    if not integer:
        return number
    if not number.is_integer():
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": text})
    return int(number)
