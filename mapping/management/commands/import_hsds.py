"""``python manage.py import_hsds PATH``: import Open Referral HSDS 3.0 data."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mapping.actions.hsds_import import InvalidHSDSPackage, import_hsds_package
from mapping.importers.hsds import Problem, read_hsds, write_report


class Command(BaseCommand):
    help = (
        "Import HSDS 3.0 data: a tabular data package (a directory or .zip with datapackage.json "
        "and CSVs, or just the CSVs) or a JSON file (one nested service, a list of them, or an "
        "API page). Rows are matched by id: a re-import updates. Everything is checked first; "
        "with any problem nothing is written, unless --skip-invalid. One transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="Package directory, .zip or .json file.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows; skip invalid rows and the rows depending on them, "
            "and write a report of what was skipped.",
        )
        parser.add_argument(
            "--report",
            type=Path,
            help="Where to write the report of skipped rows (.csv, or .json). Default: "
            "hsds-import-skipped-<time>.csv in the current directory.",
        )

    def handle(
        self, *args: object, path: Path, skip_invalid: bool, report: Path | None, **options: object
    ) -> None:
        if not path.exists():
            raise CommandError(f"No such file or directory: {path}")
        package = read_hsds(path)
        for note in package.notes:
            self.stdout.write(f"Note: {note}")
        try:
            summary = import_hsds_package(package=package, skip_invalid=skip_invalid)
        except InvalidHSDSPackage as exc:
            self._print_problems(exc.problems)
            raise CommandError(
                f"{len(exc.problems)} problems: nothing was imported "
                "(fix them, or use --skip-invalid to import the valid rows)."
            ) from exc
        for line in summary.lines():
            self.stdout.write(self.style.SUCCESS(line))
        for relation, count in summary.links.items():
            self.stdout.write(f"{relation}: {count} links")
        if summary.skipped:
            self._print_problems(summary.skipped)
            report = report or Path(
                f"hsds-import-skipped-{datetime.datetime.now():%Y%m%d-%H%M%S}.csv"
            )
            write_report(summary.skipped, report)
            self.stdout.write(
                self.style.WARNING(f"{len(summary.skipped)} rows skipped; report: {report}")
            )

    def _print_problems(self, problems: list[Problem]) -> None:
        for p in problems:
            where = f"{p.table or '-'}, row {p.row or '-'}" + (f", {p.field}" if p.field else "")
            self.stderr.write(f"{where}: {p.message}")
