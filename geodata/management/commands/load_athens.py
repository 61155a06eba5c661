"""``python manage.py load_athens``: load Athens' geography (all or nothing, idempotent)."""

import dataclasses
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from geodata.importers.city import load_city
from geodata.importers.vector import SourceDataError
from geodata.sources import ATHENS


class Command(BaseCommand):
    help = (
        "Load the Municipality of Athens: outline, 7 municipal districts, 45 neighbourhoods and "
        "494 census tracts with 2011 population estimates. One transaction; safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=ATHENS.data_dir,
            help="Folder holding the source files (default: the copy in geodata/data/athens).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Reload even if the files are unchanged."
        )

    def handle(
        self, *args: object, data_dir: Path, force: bool, verbosity: int, **options: object
    ) -> None:
        source = dataclasses.replace(ATHENS, data_dir=data_dir)

        def progress(features, label):  # noqa: ANN001
            return tqdm(features, desc=label, unit=" features", disable=None if verbosity else True)

        try:
            summary = load_city(source, progress, force=force)
        except SourceDataError as exc:
            raise CommandError(f"Nothing was loaded: {exc}") from exc
        if summary.unchanged:
            self.stdout.write(f"{summary.municipality}: files unchanged, nothing to load.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.municipality}: {summary.districts} districts, "
                f"{summary.neighbourhoods} neighbourhoods, {summary.tracts} census tracts, "
                f"2011 population (tract estimates) {summary.population_2011:,.0f}."
            )
        )
