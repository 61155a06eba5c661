"""``python manage.py refresh_coverage [--city athens]``: recompute the stored coverage of the
default scenarios (every theme at 10, 15 and 20 minutes)."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geodata.models import Municipality
from layers.coverage import default_scenarios, refresh_stored, refresh_tract_shares


class Command(BaseCommand):
    help = "Recompute the stored coverage of the default scenarios (themes × 10/15/20 min)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", default="athens", help="municipality slug")

    def handle(self, *args: object, city: str, **options: object) -> None:
        municipality = Municipality.objects.filter(slug=city).first()
        if municipality is None:
            raise CommandError(f"No city {city!r}: run load_athens first.")
        began = time.perf_counter()
        shares = refresh_tract_shares(municipality)
        steps = refresh_stored(city)
        slowest = max(steps.items(), key=lambda item: item[1], default=("-", 0.0))
        self.stdout.write(
            f"coverage of {city}: {len(default_scenarios(city))} scenarios, {shares} tract "
            f"shares, {time.perf_counter() - began:.2f} s (slowest step: {slowest[0]}, "
            f"{slowest[1]:.2f} s)"
        )
