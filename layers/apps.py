from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LayersConfig(AppConfig):
    """What goes out and what is computed over the directory: map layers, tiles, coverage."""

    name = "layers"
    verbose_name = _("Map layers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Importing connects the signal receivers: stored coverage, then the tile cache.
        from layers import receivers, tile_receivers  # noqa: F401
