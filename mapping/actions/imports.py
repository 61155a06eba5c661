"""Write action: import service records from one source, all or nothing, idempotently.

Ids are UUIDv5 of (source, kind, key), so every machine gives a record the same id and a
re-import never duplicates. Two modes:

- default: add the records the database does not have yet and leave existing ones alone, so
  an editor's corrections survive ``make run`` (which re-runs the importers on every start);
- ``sync=True``: the source is the truth — existing records are overwritten (their links,
  phones and hours replaced) and records the source no longer publishes are removed.

The spatial join of the written locations runs as one UPDATE at the end.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction

from geodata.spatial import STORAGE_SRID
from mapping.importers.records import RecordSource, ServiceRecord
from mapping.models import (
    TARGET_GROUPS_TAXONOMY,
    THEMES_TAXONOMY,
    TRANSLATED_FIELDS,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceTranslation,
    TaxonomyTerm,
)
from mapping.models.location import validate_wgs84_point
from mapping.signals import directory_imported

ID_NAMESPACE = uuid.UUID("1c5e4a52-6c0f-4b1e-9a5e-6861727469a1")


class RecordError(ValueError):
    """A record that cannot be imported; the message names the source and record."""


@dataclass(frozen=True)
class ImportSummary:
    organizations: int
    services: int
    locations: int


def record_id(source: RecordSource, kind: str, key: str) -> uuid.UUID:
    """The stable id of a record of ``kind`` with ``key`` at ``source``."""
    return uuid.uuid5(ID_NAMESPACE, f"{source.name}|{kind}|{key}")


def _provenance(source: RecordSource, key: str) -> dict[str, object]:
    return {
        "source": source.name,
        "source_url": source.url,
        "source_record_id": key,
        "source_licence": source.licence,
        "is_demo": source.is_demo,
    }


def _validate(records: list[ServiceRecord], source: RecordSource) -> None:
    """Check every record before writing anything; raise RecordError listing every problem."""
    codes = set(TaxonomyTerm.objects.categories().values_list("code", flat=True))
    groups = set(TaxonomyTerm.objects.target_groups().values_list("code", flat=True))
    languages = set(Language.objects.values_list("code", flat=True))
    interface_languages = {code for code, _ in settings.LANGUAGES}
    problems: list[str] = []
    seen: set[str] = set()
    for record in records:
        where = f"{source.name}, record {record.key!r}"
        if record.key in seen:
            problems.append(f"{where}: duplicate key")
        seen.add(record.key)
        if not record.name.strip():
            problems.append(f"{where}: no name")
        for kind, wanted, known in (
            ("category", record.categories, codes),
            ("target group", record.target_groups, groups),
            ("language", record.languages, languages),
        ):
            problems += [
                f"{where}: unknown {kind} {code!r}" for code in wanted if code not in known
            ]
        for language, texts in record.translations.items():
            if language not in interface_languages:
                problems.append(f"{where}: translation into unknown language {language!r}")
            problems += [
                f"{where}: translation field {name!r} cannot be translated"
                for name in texts
                if name not in TRANSLATED_FIELDS
            ]
        if record.location is not None:
            try:
                validate_wgs84_point(Point(record.location.lon, record.location.lat))
            except ValidationError as exc:
                problems += [f"{where}: {message}" for message in exc.messages]
    if problems:
        raise RecordError("\n".join(problems))


def _time(value: str) -> datetime.time:
    return datetime.time.fromisoformat(value)


@transaction.atomic
def import_service_records(
    records: list[ServiceRecord], *, source: RecordSource, sync: bool = False
) -> ImportSummary:
    """Add (or with ``sync``, add, overwrite and prune) the records of ``source``."""
    _validate(records, source)
    if not sync:
        existing = set(
            Service.objects.filter(
                id__in=[record_id(source, "service", r.key) for r in records]
            ).values_list("id", flat=True)
        )
        records = [r for r in records if record_id(source, "service", r.key) not in existing]
    terms = {
        t.code: t.pk
        for t in TaxonomyTerm.objects.filter(
            taxonomy__slug__in=[THEMES_TAXONOMY, TARGET_GROUPS_TAXONOMY]
        )
    }
    language_ids = dict(Language.objects.values_list("code", "pk"))

    organizations = {
        r.organization.key: Organization(
            id=record_id(source, "organization", r.organization.key),
            name=r.organization.name,
            organization_type=r.organization.organization_type,
            description=r.organization.description,
            website=r.organization.website,
            email=r.organization.email,
            **_provenance(source, r.organization.key),
        )
        for r in records
    }
    locations = {
        r.location.key: Location(
            id=record_id(source, "location", r.location.key),
            organization_id=record_id(source, "organization", r.organization.key),
            name=r.location.name,
            point=Point(r.location.lon, r.location.lat, srid=STORAGE_SRID),
            address_1=r.location.address_1,
            postal_code=r.location.postal_code,
            city=r.location.city,
            accessibility=r.location.accessibility,
            **_provenance(source, r.location.key),
        )
        for r in records
        if r.location is not None
    }
    services = [
        Service(
            id=record_id(source, "service", r.key),
            organization_id=record_id(source, "organization", r.organization.key),
            name=r.name,
            description=r.description,
            url=r.url,
            email=r.email,
            is_free=r.is_free,
            fees_description=r.fees_description,
            application_process=r.application_process,
            eligibility_description=r.eligibility_description,
            interpretation_services=r.interpretation_services,
            minimum_age=r.minimum_age,
            maximum_age=r.maximum_age,
            assured_date=r.assured_date,
            language=source.language,
            **_provenance(source, r.key),
        )
        for r in records
    ]

    def upsert(model: type, rows: list) -> None:
        """Insert; on an existing id, overwrite (sync) or keep what is there (default)."""
        if not sync:
            model.objects.bulk_create(rows, ignore_conflicts=True)
            return
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if not f.primary_key and f.name != "created_at" and f.editable
        ]
        model.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["id"], update_fields=fields
        )

    upsert(Organization, list(organizations.values()))
    upsert(Location, list(locations.values()))
    upsert(Service, services)

    service_ids = [s.id for s in services]
    # Links of the written services are replaced wholesale (in the default mode these services
    # are new, so there is nothing to replace).
    ServiceAtLocation.objects.filter(service_id__in=service_ids).delete()
    Phone.objects.filter(service_id__in=service_ids).delete()
    Schedule.objects.filter(service_id__in=service_ids).delete()
    ServiceTranslation.objects.filter(service_id__in=service_ids).delete()
    ServiceTranslation.objects.bulk_create(
        ServiceTranslation(
            id=record_id(source, f"translation-{language}", r.key),
            service_id=record_id(source, "service", r.key),
            language=language,
            **texts,
        )
        for r in records
        for language, texts in r.translations.items()
    )
    ServiceAtLocation.objects.bulk_create(
        ServiceAtLocation(
            id=record_id(source, "service_at_location", r.key),
            service_id=record_id(source, "service", r.key),
            location_id=record_id(source, "location", r.location.key),
        )
        for r in records
        if r.location is not None
    )
    Phone.objects.bulk_create(
        Phone(
            id=record_id(source, f"phone-{n}", r.key),
            service_id=record_id(source, "service", r.key),
            number=number,
        )
        for r in records
        for n, number in enumerate(r.phones)
    )
    Schedule.objects.bulk_create(
        Schedule(
            id=record_id(source, f"hours-{n}", r.key),
            service_id=record_id(source, "service", r.key),
            weekday=h.weekday,
            opens_at=_time(h.opens_at),
            closes_at=_time(h.closes_at),
        )
        for r in records
        for n, h in enumerate(r.hours)
    )
    for relation, codes_of, ids in (
        (Service.categories, lambda r: r.categories, terms),
        (Service.target_groups, lambda r: r.target_groups, terms),
        (Service.languages, lambda r: r.languages, language_ids),
    ):
        through = relation.through
        target = relation.field.m2m_reverse_field_name()
        through.objects.filter(service_id__in=service_ids).delete()
        through.objects.bulk_create(
            through(service_id=record_id(source, "service", r.key), **{f"{target}_id": ids[code]})
            for r in records
            for code in codes_of(r)
        )

    if sync:
        # What the source no longer publishes goes (services first: organisations are PROTECTed).
        Service.objects.filter(source=source.name).exclude(id__in=service_ids).delete()
        Location.objects.filter(source=source.name).exclude(
            id__in=[loc.id for loc in locations.values()]
        ).delete()
        Organization.objects.filter(source=source.name, services__isnull=True).exclude(
            id__in=[o.id for o in organizations.values()]
        ).delete()
    Location.objects.filter(id__in=[loc.id for loc in locations.values()]).assign_areas()
    Service.objects.filter(id__in=service_ids).refresh_search_document()
    directory_imported.send(sender=Service, source=source.name, service_ids=service_ids)
    return ImportSummary(
        organizations=len(organizations), services=len(services), locations=len(locations)
    )
