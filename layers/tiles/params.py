"""Query parameters of the tile layers: parsed and validated like the API's, every refusal
with a reason (unknown or repeated parameters included, see StrictParams)."""

import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from layers.coverage import MAX_MINUTES, MIN_MINUTES
from mapping.api.params import ServiceSearchParams, StrictParams, check_known
from mapping.search import SearchCriteria
from mapping.vocabulary import known_codes


class NoParams(StrictParams):
    """Area layers take no parameter: any one given is refused."""


class ServiceTileParams(ServiceSearchParams):
    """The search API's filters (``/api/services/``), less what has no meaning for a tile —
    ``near``, ``bbox`` (the tile is the box), ``limit`` and ``page`` are refused — plus
    ``lang``, the language of the names (default: the request's language). The criteria are
    the API's own (:meth:`ServiceSearchParams.criteria`)."""

    near = None
    bbox = None
    limit = None
    page = None
    lang = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="Language of the service names.",
    )

    def key(self, criteria: SearchCriteria) -> str:
        """What the tile depends on among the filters, in one canonical spelling: the same
        filters spelt differently (``free=1`` / ``free=true``, any order) share a cache entry."""
        fields = (
            "theme",
            "language",
            "target_group",
            "organization_type",
            "district",
            "neighbourhood",
            "open_at",
            "free",
            "remote",
            "include_demo",
            "text",
        )
        parts = []
        for name in fields:
            value = getattr(criteria, name)
            if isinstance(value, datetime.datetime):
                value = value.isoformat()
            parts.append(f"{name}={value!r}")
        return "&".join(parts)


class CoverageTileParams(StrictParams):
    """A stored coverage scenario: a theme and a walk time (one of the kept ones), and
    ``migrants`` for the migrant-weighted figures (planners only)."""

    theme = serializers.SlugField(help_text="Theme code.")
    minutes = serializers.IntegerField(
        min_value=MIN_MINUTES, max_value=MAX_MINUTES, default=15, help_text="Walk time."
    )
    migrants = serializers.BooleanField(
        default=False, help_text="Add migrant-weighted figures (planners only)."
    )

    def validate_theme(self, value: str) -> str:
        return check_known(known_codes()["theme"], _("theme"), value)
