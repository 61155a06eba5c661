"""``python manage.py refresh_tiles``: rebuild the services tiles' points and stored cluster
counts (layers.tiles.points) from the whole directory, and start a new generation of the
services tiles. Saves and imports keep them true on their own; run this after loading data
without them (raw SQL, fixtures) or to write the points in spatial order again after many
changes."""

import time

from django.core.management.base import BaseCommand

from layers.models import ClusterCell, ServicePoint
from layers.tiles.cache import bump
from layers.tiles.points import rebuild


class Command(BaseCommand):
    help = "Rebuild the points and stored cluster counts the services vector tiles read."

    def handle(self, *args: object, **options: object) -> None:
        began = time.perf_counter()
        steps = rebuild()
        bump("services")
        detail = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in steps.items())
        self.stdout.write(
            f"tile points: {ServicePoint.objects.count():,} points, "
            f"{ClusterCell.objects.count():,} stored cells in "
            f"{time.perf_counter() - began:.2f} s ({detail})"
        )
