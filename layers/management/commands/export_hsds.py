"""``python manage.py export_hsds DIR [--overwrite]``: write everything published as an Open
Referral HSDS 3.0 tabular data package (CSV tables, datapackage.json, services.json) into DIR;
see layers.hsds.package for the layout."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layers.hsds.package import ExportError, export_package


class Command(BaseCommand):
    help = "Export the published directory as an HSDS 3.0 data package (CSV + JSON) into DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="where to write; must be empty or new")
        parser.add_argument(
            "--overwrite",
            "--force",
            action="store_true",
            help="replace the files of an earlier export in DIR (nothing else is deleted)",
        )

    def handle(self, *args: object, directory: Path, overwrite: bool, **options: object) -> None:
        try:
            summary = export_package(directory, overwrite=overwrite)
        except ExportError as error:
            raise CommandError(str(error)) from None
        written = ", ".join(f"{table} {count}" for table, count in summary.rows.items() if count)
        self.stdout.write(f"HSDS package in {summary.directory}: {written}")
