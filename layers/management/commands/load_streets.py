"""``python manage.py load_streets FILE``: load the walking street network, then refresh the
network catchments of every place and the stored coverage that uses them (a bad file changes
nothing)."""

import argparse
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from geodata.models import Municipality
from layers.coverage import refresh_stored
from layers.models import NetworkCatchment
from layers.streets import StreetDataError, load_streets, refresh_network_catchments

DEFAULT_MINUTES = (10, 15, 20)


def minutes_list(text: str) -> list[int]:
    """Parse "10,15,20" into whole positive minutes."""
    try:
        minutes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        minutes = []
    if not minutes or min(minutes) <= 0:
        raise argparse.ArgumentTypeError(
            _("walk times are whole positive minutes, e.g. 10,15,20 (got %(text)s)")
            % {"text": text}
        )
    return minutes


class Command(BaseCommand):
    help = (
        "Load the walkable streets of an OpenStreetMap extract (.osm or .osm.pbf; clipped to "
        "the city + 500 m) with osm2pgrouting, then compute walking catchments on them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", type=Path, help="OpenStreetMap file, e.g. greece-latest.osm.pbf"
        )
        parser.add_argument("--city", default="athens", help="Municipality slug (default: athens).")
        parser.add_argument(
            "--minutes",
            type=minutes_list,
            default=list(DEFAULT_MINUTES),
            help="Walk times of the catchments, comma-separated (default: 10,15,20).",
        )

    def handle(
        self, *args: object, file: Path, city: str, minutes: list[int], **options: object
    ) -> None:
        started = time.monotonic()
        try:
            municipality = Municipality.objects.get(slug=city)
        except Municipality.DoesNotExist as exc:
            raise CommandError(
                _("No municipality %(city)s: load it first (manage.py load_athens).")
                % {"city": city}
            ) from exc
        try:
            counts = load_streets(file, municipality)
        except StreetDataError as exc:
            raise CommandError(_("Nothing was changed: %(reason)s") % {"reason": exc}) from exc
        refresh_network_catchments(minutes)
        places = NetworkCatchment.objects.values("location").distinct().count()
        # The stored default scenarios were computed on the old catchments.
        refresh_stored(city)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(city)s: %(edges)d street edges, %(vertices)d vertices; "
                    "%(places)d places have walking catchments of %(minutes)s minutes; "
                    "%(seconds).1f s."
                )
                % {
                    "city": municipality,
                    "edges": counts["edges"],
                    "vertices": counts["vertices"],
                    "places": places,
                    "minutes": ", ".join(str(m) for m in minutes),
                    "seconds": time.monotonic() - started,
                }
            )
        )
