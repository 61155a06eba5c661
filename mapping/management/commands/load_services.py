"""``python manage.py load_services``: the real starting data (hospitals, OSM facilities)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from geodata.importers.vector import SourceDataError
from geodata.models import Municipality
from mapping.actions.imports import RecordError, import_service_records
from mapping.importers import gisco_hospitals, osm_facilities


class Command(BaseCommand):
    help = (
        "Import the real starting data for a city: Eurostat GISCO hospitals within 3 km and "
        "OpenStreetMap facilities mapped to Hartis themes. All or nothing; safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", default="athens", help="Municipality slug (default athens).")

    def handle(self, *args: object, city: str, **options: object) -> None:
        municipality = Municipality.objects.defer("geom").filter(slug=city).first()
        if municipality is None:
            raise CommandError(f"No municipality {city!r}: run `manage.py load_athens` first.")
        try:
            with transaction.atomic():
                hospitals = import_service_records(
                    gisco_hospitals.parse_hospitals(municipality), source=gisco_hospitals.SOURCE
                )
                facilities = import_service_records(
                    osm_facilities.parse_facilities(), source=osm_facilities.SOURCE
                )
        except (SourceDataError, RecordError) as exc:
            raise CommandError(f"Nothing was imported: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{hospitals.services} hospitals and {facilities.services} OpenStreetMap "
                f"facilities imported ({facilities.organizations} organisations)."
            )
        )
