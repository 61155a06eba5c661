"""``python manage.py load_services``: the real starting data (hospitals, OSM facilities)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from geodata.importers.vector import SourceDataError
from geodata.models import Municipality
from mapping.actions.imports import RecordError, import_service_records
from mapping.importers import gisco_hospitals, osm_facilities
from mapping.models import Service


class Command(BaseCommand):
    help = (
        "Import the real starting data: Eurostat GISCO hospitals within 3 km of the city and "
        "OpenStreetMap facilities mapped to Hartis themes. A source already in the database is "
        "left alone (editors' changes survive); --sync re-applies it. All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", default="athens", help="Municipality slug (default athens).")
        parser.add_argument(
            "--sync",
            action="store_true",
            help="Make the database match the sources: overwrite their records, drop the ones "
            "they no longer list. Editors' changes to those records are lost.",
        )

    def handle(self, *args: object, city: str, sync: bool, **options: object) -> None:
        municipality = Municipality.objects.defer("geom").filter(slug=city).first()
        if municipality is None:
            raise CommandError(f"No municipality {city!r}: run `manage.py load_athens` first.")
        sources = [
            (gisco_hospitals.SOURCE, lambda: gisco_hospitals.parse_hospitals(municipality)),
            (osm_facilities.SOURCE, osm_facilities.parse_facilities),
        ]
        try:
            with transaction.atomic():
                for source, parse in sources:
                    if not sync and Service.objects.from_source(source.name).exists():
                        self.stdout.write(f"{source.name}: already loaded (--sync to refresh).")
                        continue
                    summary = import_service_records(parse(), source=source, sync=sync)
                    self.stdout.write(
                        self.style.SUCCESS(
                            f"{source.name}: {summary.services} services, "
                            f"{summary.organizations} organisations, {summary.locations} places."
                        )
                    )
        except (SourceDataError, RecordError) as exc:
            raise CommandError(f"Nothing was imported: {exc}") from exc
