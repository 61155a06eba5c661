"""What the directory does when the layers below it change."""

from django.dispatch import receiver

from geodata.models import Municipality
from geodata.signals import geography_loaded
from mapping.models import Location


@receiver(geography_loaded)
def reassign_location_areas(sender: type, municipality: Municipality, **kwargs: object) -> None:
    """Boundaries were reloaded: re-run the spatial join for every located place (one UPDATE)."""
    Location.objects.filter(point__isnull=False).assign_areas()
