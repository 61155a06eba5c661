"""``python manage.py refresh_tile_clusters``: rebuild the stored clusters of the unfiltered
services tiles (layers.tiles.clusters). Saves and imports rebuild them on their own; run this
after writing services, places or service-at-locations with raw SQL (e.g. bench data)."""

from django.core.management.base import BaseCommand

from layers.tiles import clusters


class Command(BaseCommand):
    help = "Rebuild the stored clusters of the unfiltered services vector tiles."

    def handle(self, *args: object, **options: object) -> None:
        seconds = clusters.refresh(force=True)
        self.stdout.write(f"tile clusters rebuilt in {seconds:.2f} s")
