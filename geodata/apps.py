from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeodataConfig(AppConfig):
    """Administrative geography and population: municipalities, districts, tracts."""

    name = "geodata"
    verbose_name = _("Geography")
    default_auto_field = "django.db.models.BigAutoField"
