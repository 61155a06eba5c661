"""The planners' dashboard and its exports.

The page is a shell (controls, a map container, a table and a chart) with its config in
``json_script``; planning.js fetches the coverage layer from /api/coverage/. Exports take the
API's parameters and apply its permission rule: tract level and migrant figures are for
planners only. Anonymous visitors asking for them are sent to log in; signed-in visitors
without the permission get 403.
"""

import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from rest_framework import serializers

from layers import planning
from layers.api import CoverageParams
from layers.coverage import MAX_MINUTES, MIGRANT_FIGURES, MIN_MINUTES
from layers.coverage_layer import can_see_detail, coverage_feature_collection
from layers.models import CatchmentMethod, CoverageLevel
from mapping.conf import hartis_options
from mapping.directory import filter_vocabulary
from mapping.models import TaxonomyTerm
from mapping.themes import theme_styles

DEFAULT_THEME = "health"
DEFAULT_MINUTES = 15
# Tracts are small (≈ 250 m across): below this zoom they are noise, and the public levels
# read better. Planners who choose tract level see neighbourhoods until they zoom in.
TRACT_ZOOM = 15
MAP_LEVELS = (CoverageLevel.NEIGHBOURHOOD, CoverageLevel.DISTRICT, CoverageLevel.TRACT)

# format → (builder, content type, file extension)
EXPORTS: dict[str, tuple[Callable[..., bytes], str, str]] = {
    "csv": (planning.export_csv, "text/csv; charset=utf-8", "csv"),
    "geojson": (planning.export_geojson, "application/geo+json", "geojson"),
    "gpkg": (planning.export_geopackage, "application/geopackage+sqlite3", "gpkg"),
    "html": (planning.export_html_report, "text/html; charset=utf-8", "html"),
}


def _wants_detail(level: str | None, figure: str | None, migrants: bool) -> bool:
    return level == CoverageLevel.TRACT or figure in MIGRANT_FIGURES or migrants


def _refuse(request: HttpRequest) -> HttpResponse:
    """Anonymous: the log-in page, back here afterwards. Signed in without the right: 403."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied(gettext("Tract-level and migrant figures are for planners."))


def _figure_choices(detailed: bool) -> list[tuple[str, str]]:
    names = planning.FIGURES if detailed else planning.PUBLIC_FIGURES
    return [(name, str(planning.FIGURES[name].label)) for name in names]


def _dashboard_text() -> dict[str, str]:
    """Strings planning.js shows, translated here (named placeholders, filled in JS)."""
    return {
        "loading": gettext("Computing coverage…"),
        "error": gettext("The coverage could not be loaded: %(reason)s"),
        "forbidden": gettext("These figures are for planners; log in as one."),
        "noData": gettext("No data"),
        "range": gettext("%(low)s – %(high)s"),
        "percent": gettext("%(percent)s %%"),
        "minutes": gettext("%(minutes)s min"),
        "covered": gettext("Covered"),
        "uncovered": gettext("Not covered"),
        "chartRow": gettext("%(name)s: %(covered)s covered, %(gap)s not covered"),
        "details": gettext("Details"),
        "catchmentsShown": gettext("Catchments of %(count)s services in view."),
        "method": gettext("Catchments: %(method)s. Computed %(date)s."),
        "mixed": gettext("mixed methods"),
        "darkIsWorse": gettext("Darker: worse served"),
    }


@require_safe
def planning_dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard. Public at neighbourhood and district level with total-population
    figures; tract level and migrant figures need the planner permission."""
    level = request.GET.get("level")
    figure = request.GET.get("figure")
    migrants = request.GET.get("migrants") in ("1", "true")
    detailed = can_see_detail(request.user)
    if _wants_detail(level, figure, migrants) and not detailed:
        return _refuse(request)
    options = hartis_options()
    levels = MAP_LEVELS if detailed else MAP_LEVELS[:2]
    config = {
        "coverage": reverse("coverage-api"),
        "servicesApi": reverse("service-list-api"),
        "catchment": reverse("service-catchment-api", args=[uuid.UUID(int=0)]),
        "serviceBase": reverse("service-page", args=[uuid.UUID(int=0)]),
        "areaPages": {
            "neighbourhood": reverse("neighbourhood-page", args=["slug"]),
            "district": reverse("district-page", args=[0]),
        },
        "exports": {fmt: reverse("planning-export", args=[fmt]) for fmt in EXPORTS},
        "tiles": {"url": options.basemap_tile_url, "attribution": options.basemap_attribution},
        "center": list(settings.LEAFLET_CONFIG["DEFAULT_CENTER"]),  # (lat, lon)
        "zoom": 13,
        "tractZoom": TRACT_ZOOM,
        "detailed": detailed,
        "defaults": {"theme": DEFAULT_THEME, "minutes": DEFAULT_MINUTES},
        "themes": theme_styles(),
        "figures": {
            name: {
                "label": str(spec.label),
                "kind": spec.kind,
                "higherIsBetter": spec.higher_is_better,
                "migrant": name in MIGRANT_FIGURES,
            }
            for name, spec in planning.FIGURES.items()
            if detailed or name not in MIGRANT_FIGURES
        },
        "palette": list(planning.PALETTE),
        "noDataColour": planning.NO_DATA_COLOUR,
        "classes": planning.CLASSES,
        "methods": {value: str(label) for value, label in CatchmentMethod.choices},
        "text": _dashboard_text(),
    }
    context = {
        "config": config,
        **filter_vocabulary(),
        "figures": _figure_choices(detailed),
        "levels": [(level, CoverageLevel(level).label) for level in levels],
        "minutes_range": (MIN_MINUTES, MAX_MINUTES),
        "default_minutes": DEFAULT_MINUTES,
        "detailed": detailed,
    }
    return render(request, "layers/planning.html", context)


class ExportParams(CoverageParams):
    """/api/coverage/ parameters, plus the figure the HTML report maps."""

    figure = serializers.ChoiceField(
        choices=list(planning.FIGURES), default=planning.DEFAULT_FIGURE, required=False
    )


def export_filename(data: dict, ext: str) -> str:
    """e.g. ``hartis-coverage-health-15min-neighbourhood-lang-fa.gpkg``."""
    parts = ["hartis-coverage", data["theme"], f"{data['minutes']}min", str(data["level"])]
    if data.get("language"):
        parts.append(f"lang-{data['language']}")
    if data.get("target_group"):
        parts.append(data["target_group"])
    parts += [name for name in ("weekends", "free", "migrants") if data.get(name)]
    return "-".join(parts) + f".{ext}"


@require_safe
@cache_control(private=True, max_age=300)
def planning_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """``/planning/export.<csv|geojson|gpkg|html>`` with the parameters of /api/coverage/
    (and ``figure`` for the HTML report). 400 with reasons on bad parameters."""
    build, content_type, ext = EXPORTS[fmt]
    params = ExportParams(data=request.GET)
    if not params.is_valid():
        return JsonResponse({"errors": params.errors}, status=400)
    data = params.validated_data
    figure = data.get("figure") or planning.DEFAULT_FIGURE
    migrants = data["migrants"] or figure in MIGRANT_FIGURES
    detailed = can_see_detail(request.user)
    if _wants_detail(data["level"], figure, migrants) and not detailed:
        return _refuse(request)
    scenario = params.scenario()
    fc = coverage_feature_collection(scenario, data["level"], detailed=detailed)
    if not migrants:  # as the API: migrant figures only when asked for
        for feature in fc["features"]:
            for name in MIGRANT_FIGURES:
                feature["properties"].pop(name, None)
    if fmt == "html":
        body = build(
            fc,
            figure=figure,
            title=_report_title(scenario.theme, scenario.minutes),
            subtitle=_report_subtitle(fc),
            services=planning.service_points(scenario),
        )
    else:
        body = build(fc)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(data, ext)}"'
    return response


def _report_title(theme: str, minutes: int) -> str:
    term = TaxonomyTerm.objects.filter(code=theme).only("name").first()
    return gettext("%(theme)s within %(minutes)s minutes' walk") % {
        "theme": term.name if term else theme,
        "minutes": minutes,
    }


def _report_subtitle(fc: dict) -> str:
    methods = dict(CatchmentMethod.choices)
    method = methods.get(fc["method"], gettext("mixed methods"))
    return gettext("%(level)s · catchments: %(method)s · computed %(date)s") % {
        "level": capfirst(CoverageLevel(fc["level"]).label),
        "method": method,
        "date": _local_time(fc["computed_at"]),
    }


def _local_time(value: str) -> str:
    moment = parse_datetime(value)
    if moment is None:
        return value
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
