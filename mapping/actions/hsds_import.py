"""Write action: load a checked HSDS package (:mod:`mapping.importers.hsds`) in one transaction.

Rows are matched by their HSDS id (our UUIDs, see :mod:`mapping.hsds`): an id Hartis has is
updated, a new one created, so a re-import never duplicates. The package is the truth for the
organisations, services and locations it lists: their phones, contacts, hours, places, areas,
documents, languages and terms become the package's (children it no longer lists go; children
it lists but had to skip stay as they were). Records it does not list are never touched or
removed. Fields HSDS does not carry (a service's "free of charge", the language its text is
written in, an organisation's type) keep their values on update. A service keeps the
``last_modified`` the package gives it (when it last changed at its source), so an export of
imported data says what the source said.

Like the other bulk import, it sets the places' areas by one spatial join, rebuilds the search
documents of the services it touched, and sends ``directory_imported`` so the layers refresh
coverage after commit.
"""

import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from mapping.hsds import derived_id
from mapping.importers.hsds import HSDSPackage, Problem, Record
from mapping.models import (
    Contact,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Weekday,
)
from mapping.signals import directory_imported

SOURCE = "HSDS import"

# Table → (model, its foreign keys, all cleared or set by the package).
TABLES: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "organization": (Organization, ()),
    "location": (Location, ("organization",)),
    "service": (Service, ("organization",)),
    "service_at_location": (ServiceAtLocation, ("service", "location")),
    "contact": (Contact, ("organization", "service", "service_at_location", "location")),
    "phone": (
        Phone,
        ("organization", "service", "service_at_location", "location", "contact"),
    ),
    "schedule": (Schedule, ("service", "service_at_location")),
    "service_area": (ServiceArea, ("service",)),
    "required_document": (RequiredDocument, ("service",)),
}
SERVICE_RELATIONS = ("categories", "target_groups", "languages")


class InvalidHSDSPackage(ValueError):
    """The package has problems and skipping invalid records was not asked for."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(_("%(count)s problems; nothing was imported.") % {"count": len(problems)})
        self.problems = problems


@dataclass(frozen=True)
class TableCount:
    created: int = 0
    updated: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class HSDSImportSummary:
    """Rows created, updated and skipped per table; links written per relation; the report
    of what was skipped (invalid rows and the rows depending on them); notes."""

    counts: dict[str, TableCount]
    links: dict[str, int]
    skipped: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One translated line per table, for the command's output and the admin message."""
        return [
            _("%(table)s: %(created)s created, %(updated)s updated, %(skipped)s skipped")
            % {"table": table, **vars(count)}
            for table, count in self.counts.items()
            if count.created or count.updated or count.skipped
        ]


@transaction.atomic
def import_hsds_package(*, package: HSDSPackage, skip_invalid: bool = False) -> HSDSImportSummary:
    """Write ``package``. With problems, write nothing and raise InvalidHSDSPackage, unless
    ``skip_invalid``: then write the valid rows that depend on no invalid row."""
    if package.problems and not skip_invalid:
        raise InvalidHSDSPackage(package.problems)
    records = package.records
    written = {table: set(records[table]) for table in TABLES}
    try:
        _remove_replaced_children(package, written)
        counts = {table: _upsert(table, list(records[table].values())) for table in TABLES}
        links = _replace_links(package, written)
    except IntegrityError as exc:
        # Only when the database changed between the check and the write (a row a record
        # points at was deleted meanwhile); the transaction rolls back whole.
        raise InvalidHSDSPackage(
            [Problem("", "", "", _("The database refused a row: %(error)s") % {"error": exc})]
        ) from exc

    Location.objects.filter(id__in=written["location"]).assign_areas()
    touched = list(
        Service.objects.filter(
            Q(id__in=written["service"])
            | Q(organization_id__in=written["organization"])
            | Q(service_at_locations__location_id__in=written["location"])
        )
        .values_list("id", flat=True)
        .distinct()
    )
    Service.objects.filter(id__in=touched).refresh_search_document()
    directory_imported.send(sender=Service, source=SOURCE, service_ids=touched)

    report = package.problems + package.skipped
    skipped_rows = {(p.table, p.row) for p in report}
    counts = {
        table: TableCount(
            created=count.created,
            updated=count.updated,
            skipped=sum(1 for t, _row in skipped_rows if t == table),
        )
        for table, count in counts.items()
    }
    return HSDSImportSummary(counts=counts, links=links, skipped=report, notes=package.notes)


def _upsert(table: str, records: list[Record]) -> TableCount:
    model, foreign_keys = TABLES[table]
    if not records:
        return TableCount()
    ids = [record.id for record in records]
    existing = set(model.objects.filter(id__in=ids).values_list("id", flat=True))
    rows = [
        model(
            id=record.id,
            **record.values,
            **{f"{name}_id": record.parents.get(name) for name in foreign_keys},
        )
        for record in records
    ]
    model.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=list(dict.fromkeys([*records[0].values, *foreign_keys, "last_modified"])),
    )
    # Saving stamps ``last_modified`` with the time of the import; a service's own time from
    # the package (when it last changed at its source) is put back (no auto_now in bulk_update).
    stamped = [
        model(id=r.id, last_modified=r.values["last_modified"])
        for r in records
        if r.values.get("last_modified")
    ]
    model.objects.bulk_update(stamped, ["last_modified"], batch_size=500)
    return TableCount(created=len(ids) - len(existing), updated=len(existing))


def _remove_replaced_children(package: HSDSPackage, written: dict[str, set]) -> None:
    """Children of the written organisations, services and locations that the package does
    not list any more. Runs before the upserts, so a place the package now gives another id
    frees its (service, location) pair first."""
    read = package.read_ids
    services, organizations, locations = (
        written["service"],
        written["organization"],
        written["location"],
    )
    pairs = {
        (r.parents["service"], r.parents["location"]): r.id
        for r in _values(package, "service_at_location")
    }
    at_written_services = Q(service_at_location__service_id__in=services)
    stale_pairs = [
        pk
        for pk, service_id, location_id in ServiceAtLocation.objects.filter(
            service_id__in={s for s, _l in pairs}
        ).values_list("id", "service_id", "location_id")
        if pairs.get((service_id, location_id), pk) != pk
    ]
    ServiceAtLocation.objects.filter(
        Q(service_id__in=services) & ~Q(id__in=read.get("service_at_location", set()))
        | Q(id__in=stale_pairs)
    ).delete()
    Contact.objects.filter(
        Q(organization_id__in=organizations)
        | Q(service_id__in=services)
        | Q(location_id__in=locations)
        | at_written_services
    ).exclude(id__in=read.get("contact", set())).delete()
    Phone.objects.filter(
        Q(organization_id__in=organizations)
        | Q(service_id__in=services)
        | Q(location_id__in=locations)
        | at_written_services
        | Q(contact_id__in=written["contact"])
    ).exclude(id__in=read.get("phone", set())).delete()
    # A schedule with several days is several rows (derived ids); those of a schedule read
    # but skipped stay, whichever days they are.
    schedule_ids = set(package.records["schedule"]) | {
        derived_id("schedule", schedule_id, Weekday(day).rrule_code)
        for schedule_id in read.get("schedule", set()) - set(package.records["schedule"])
        for day in Weekday.values
    }
    schedule_ids |= read.get("schedule", set())
    Schedule.objects.filter(Q(service_id__in=services) | at_written_services).exclude(
        id__in=schedule_ids
    ).delete()
    for model, table in ((ServiceArea, "service_area"), (RequiredDocument, "required_document")):
        model.objects.filter(service_id__in=services).exclude(
            id__in=read.get(table, set())
        ).delete()


def _values(package: HSDSPackage, table: str) -> list[Record]:
    return list(package.records[table].values())


def _replace_links(package: HSDSPackage, written: dict[str, set]) -> dict[str, int]:
    """The written services' themes, target groups and languages, and the written phones'
    languages, become the package's."""
    counts = {}
    for relation in (*SERVICE_RELATIONS, "phone_languages"):
        manager = Phone.languages if relation == "phone_languages" else getattr(Service, relation)
        through = manager.through
        owner = manager.field.m2m_field_name()
        target = manager.field.m2m_reverse_field_name()
        owners = written["phone" if relation == "phone_languages" else "service"]
        through.objects.filter(**{f"{owner}_id__in": owners}).delete()
        pairs: set[tuple[uuid.UUID, uuid.UUID]] = {
            (link.owner_id, link.target_id)
            for link in package.links
            if link.relation == relation and link.owner_id in owners
        }
        through.objects.bulk_create(
            through(**{f"{owner}_id": owner_id, f"{target}_id": target_id})
            for owner_id, target_id in sorted(pairs)
        )
        counts[relation] = len(pairs)
    return counts
