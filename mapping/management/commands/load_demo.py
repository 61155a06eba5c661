"""``python manage.py load_demo``: the invented demo services (is_demo=True), or remove them."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geodata.importers.vector import SourceDataError
from mapping.actions.imports import RecordError, import_service_records
from mapping.importers import demo


class Command(BaseCommand):
    help = "Load the clearly-labelled demo services (is_demo=True). Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--remove", action="store_true", help="Delete the demo records instead of loading them."
        )

    def handle(self, *args: object, remove: bool, **options: object) -> None:
        try:
            # Importing nothing from the demo source removes what it had published.
            records = [] if remove else demo.parse_demo()
            summary = import_service_records(records, source=demo.SOURCE)
        except (SourceDataError, RecordError) as exc:
            raise CommandError(f"Nothing was loaded: {exc}") from exc
        verb = "removed" if remove else f"loaded: {summary.services} services"
        self.stdout.write(self.style.SUCCESS(f"Demo records {verb}."))
