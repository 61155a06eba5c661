"""``python manage.py load_demo``: the invented demo services (is_demo=True), or remove them."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geodata.importers.vector import SourceDataError
from mapping.actions.imports import RecordError, import_service_records
from mapping.importers import demo
from mapping.models import Service


class Command(BaseCommand):
    help = (
        "Load the clearly-labelled demo services (is_demo=True) once; --sync resets them to "
        "the demo file, --remove deletes them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--sync", action="store_true", help="Reset demo records to the file.")
        group.add_argument("--remove", action="store_true", help="Delete every demo record.")

    def handle(self, *args: object, sync: bool, remove: bool, **options: object) -> None:
        if not (sync or remove) and Service.objects.from_source(demo.SOURCE.name).exists():
            self.stdout.write("Demo records already loaded (--sync to reset, --remove to delete).")
            return
        try:
            # Syncing an empty list makes the demo source publish nothing: its records go.
            records = [] if remove else demo.parse_demo()
            summary = import_service_records(records, source=demo.SOURCE, sync=True)
        except (SourceDataError, RecordError) as exc:
            raise CommandError(f"Nothing was loaded: {exc}") from exc
        message = "Demo records removed." if remove else f"Demo: {summary.services} services."
        self.stdout.write(self.style.SUCCESS(message))
