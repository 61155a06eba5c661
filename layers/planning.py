"""The planners' dashboard: which figures it maps, how they are classed, and the exports of a
coverage layer (CSV, GeoJSON, GeoPackage, a standalone HTML map report).

Every export starts from the FeatureCollection of :func:`layers.coverage_layer.
coverage_feature_collection`, so the permission rules applied there (no tract level and no
migrant figures for the public) hold for the files too: this module never adds a figure.
Geometries stay in EPSG:4326 (lon/lat, 6 decimals), as the layer gives them.
"""

import base64
import csv
import html
import io
import json
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import get_language_bidi, gettext
from django.utils.translation import gettext_lazy as _

from layers.coverage import MIGRANT_FIGURES, Scenario
from layers.models import CoverageLevel
from mapping.conf import hartis_options


@dataclass(frozen=True)
class Figure:
    """A figure the dashboard can map. ``higher_is_better`` decides the palette's direction:
    the darkest class is always the worst, so service deserts stand out whatever is shown."""

    label: Promise
    kind: str  # "share" (0–1, shown as %), "people", "minutes" or "rate"
    higher_is_better: bool


FIGURES: dict[str, Figure] = {
    "share_covered": Figure(_("Share of residents covered"), "share", True),
    "gap_population": Figure(_("Residents not covered"), "people", False),
    "median_walk_minutes": Figure(_("Median walk to the nearest service"), "minutes", False),
    "services_per_10k": Figure(_("Services per 10,000 residents"), "rate", True),
    "migrant_share_covered": Figure(_("Share of migrants covered"), "share", True),
    "gap_migrants": Figure(_("Migrants not covered"), "people", False),
}
PUBLIC_FIGURES = tuple(name for name in FIGURES if name not in MIGRANT_FIGURES)
DEFAULT_FIGURE = "share_covered"

# Sequential, colour-blind safe (viridis, five samples), light → dark; no red anywhere, and
# the class is also written in the legend and the tooltip, so colour is never the only cue.
PALETTE = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
NO_DATA_COLOUR = "#c8ced1"
CLASSES = 5

# Columns in the order a spreadsheet shows them; only those present in the layer are written.
IDENTITY_COLUMNS = ("level", "name", "name_en", "slug", "number", "code")
FIGURE_COLUMNS = (
    "population",
    "covered_population",
    "gap_population",
    "share_covered",
    "median_walk_minutes",
    "services",
    "services_per_10k",
    "gap_nearest_minutes",
    *MIGRANT_FIGURES,
)
NEAREST_COLUMNS = ("gap_nearest_service_id", "gap_nearest_service_name")


# --------------------------------------------------------------------------------------------
# Classes (the dashboard's JS computes the same breaks: planning.js classBreaks)


def class_breaks(values: Iterable[float | None], classes: int = CLASSES) -> list[float]:
    """Quantile class edges ``[min, e1, …, max]`` of the non-null ``values``: class *j*
    holds ``edges[j] <= v < edges[j+1]`` (the last one includes the maximum). Repeated
    values merge classes, so there may be fewer than ``classes``; no values → ``[]``."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return []
    count = len(ordered)
    edges = [ordered[0]]
    for step in range(1, classes):
        edge = ordered[min(count - 1, step * count // classes)]
        if edge > edges[-1]:
            edges.append(edge)
    if ordered[-1] > edges[-1] or len(edges) == 1:
        edges.append(ordered[-1])
    return edges


def class_of(value: float | None, edges: Sequence[float]) -> int | None:
    """The class index of ``value`` for ``edges`` (see :func:`class_breaks`)."""
    if value is None or len(edges) < 2:
        return None
    for index in range(len(edges) - 2, -1, -1):
        if value >= edges[index]:
            return index
    return 0


def class_colours(classes: int, higher_is_better: bool) -> list[str]:
    """One colour per class, ascending values; the worst class gets the darkest colour."""
    if classes <= 0:
        return []
    if classes == 1:
        picks = [PALETTE[2]]
    else:
        picks = [PALETTE[round(i * (len(PALETTE) - 1) / (classes - 1))] for i in range(classes)]
    return picks[::-1] if higher_is_better else picks


def format_figure(name: str, value: float | None) -> str:
    """``value`` of figure ``name`` as the interface writes it (localised digits)."""
    if value is None:
        return "–"
    kind = FIGURES[name].kind if name in FIGURES else "rate"
    if kind == "share":
        return gettext("%(percent)s %%") % {"percent": number_format(value * 100, 1)}
    if kind == "people":
        return number_format(round(value), 0, force_grouping=True)
    if kind == "minutes":
        return gettext("%(minutes)s min") % {"minutes": number_format(value, 1)}
    return number_format(value, 2)


# --------------------------------------------------------------------------------------------
# Table exports


def _columns(features: list[dict]) -> list[str]:
    present = set().union(*(feature["properties"].keys() for feature in features))
    identity = [name for name in IDENTITY_COLUMNS if name in present]
    figures = [name for name in FIGURE_COLUMNS if name in present]
    return ["id", *identity, *figures, *NEAREST_COLUMNS]


def _row(feature: dict, columns: list[str]) -> dict[str, Any]:
    properties = feature["properties"]
    nearest = properties.get("gap_nearest_service") or {}
    values = {
        "id": feature.get("id"),
        "gap_nearest_service_id": nearest.get("id"),
        "gap_nearest_service_name": nearest.get("name"),
    }
    return {name: values[name] if name in values else properties.get(name) for name in columns}


def export_csv(fc: dict) -> bytes:
    """One row per area, figures unformatted (shares 0–1, persons, minutes). UTF-8 with a
    byte-order mark, because spreadsheet programs otherwise garble Greek names."""
    columns = _columns(fc["features"])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for feature in fc["features"]:
        writer.writerow(_row(feature, columns))
    return buffer.getvalue().encode("utf-8-sig")


def export_geojson(fc: dict) -> bytes:
    """The layer as served by the API (RFC 7946, EPSG:4326), scenario and method included."""
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def export_geopackage(fc: dict) -> bytes:
    """A GeoPackage with one layer, ``coverage_<level>`` (EPSG:4326), one row per area and the
    scenario in the layer's description."""
    # Imported here: geopandas and pandas cost a second at start-up and only exports need them.
    import geopandas
    from shapely.geometry import shape

    columns = _columns(fc["features"])
    rows = [_row(feature, columns) for feature in fc["features"]]
    geometries = [shape(feature["geometry"]) for feature in fc["features"]]
    frame = geopandas.GeoDataFrame(
        rows, columns=columns, geometry=geometries, crs="EPSG:4326"
    ).rename_geometry("geom")
    layer = f"coverage_{fc.get('level', 'areas')}"
    description = json.dumps(
        {"scenario": fc.get("scenario"), "method": fc.get("method")}, ensure_ascii=False
    )
    with tempfile.TemporaryDirectory(prefix="hartis-gpkg-") as folder:
        path = Path(folder) / "coverage.gpkg"
        frame.to_file(path, layer=layer, driver="GPKG", layer_options={"DESCRIPTION": description})
        return path.read_bytes()


# --------------------------------------------------------------------------------------------
# The standalone HTML report (folium)


def _vendored(path: str) -> str:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(f"Static file {path} is missing: run scripts/frontend_assets.sh")
    return Path(found).read_text(encoding="utf-8")


def _inline_leaflet() -> tuple[str, str]:
    """Our Leaflet's JS and CSS, made self-contained: the CSS's images become data: URIs and
    the source-map comment goes (nothing may be fetched when the file opens offline)."""
    script = _vendored("vendor/leaflet/leaflet.js")
    script = re.sub(r"//# sourceMappingURL=\S+\s*$", "", script).replace("</script", "<\\/script")
    style = _vendored("vendor/leaflet/leaflet.css")

    def data_uri(match: re.Match) -> str:
        image = finders.find(f"vendor/leaflet/{match.group(1)}")
        if not image:
            return "none"
        encoded = base64.b64encode(Path(image).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    style = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, style)
    return script, style


def _legend_html(
    name: str, edges: list[float], colours: list[str], title: str, no_data: bool
) -> str:
    rows = []
    for index, colour in enumerate(colours):
        low, high = format_figure(name, edges[index]), format_figure(name, edges[index + 1])
        rows.append(
            f'<li><span class="swatch" style="background:{colour}"></span>'
            f"{html.escape(low)} – {html.escape(high)}</li>"
        )
    if no_data or not colours:
        rows.append(
            f'<li><span class="swatch" style="background:{NO_DATA_COLOUR}"></span>'
            f"{html.escape(gettext('No data'))}</li>"
        )
    note = html.escape(gettext("Darker: worse served"))
    return (
        f'<div class="hartis-legend"><strong>{html.escape(title)}</strong>'
        f'<ul>{"".join(rows)}</ul><div class="note">{note}</div></div>'
    )


REPORT_STYLE = """
.hartis-legend, .hartis-title { position: fixed; z-index: 1000; background: rgba(255,255,255,.95);
  padding: .5rem .75rem; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
  font: 14px/1.4 system-ui, "DejaVu Sans", "Noto Sans", sans-serif; color: #1d2a33; }
.hartis-legend { bottom: 3.5rem; inset-inline-start: .75rem; max-width: 18rem; }
.hartis-legend ul { list-style: none; margin: .25rem 0 0; padding: 0; }
.hartis-legend li { display: flex; align-items: center; gap: .4rem; }
.hartis-legend .swatch { display: inline-block; width: 1.1rem; height: .9rem;
  border: 1px solid #555; }
.hartis-legend .note { color: #5b6b75; font-size: .8rem; margin-top: .2rem; }
/* Beside the zoom buttons in both directions: the layer list holds the other corner. */
.hartis-title { top: .75rem; left: 3.5rem; max-width: min(32rem, 45vw); }
.hartis-title h1 { font-size: 1rem; margin: 0; }
.hartis-title p { margin: .2rem 0 0; font-size: .8rem; color: #5b6b75; }
"""


def export_html_report(
    fc: dict,
    *,
    figure: str = DEFAULT_FIGURE,
    title: str = "",
    subtitle: str = "",
    services: Sequence[dict] = (),
) -> bytes:
    """A single HTML file: the choropleth of ``figure`` with a legend of its class breaks,
    tooltips per area, and ``services`` (dicts with name, lat, lon) on top. Leaflet is inlined
    from our static files; the only address left is the basemap's tile template, so the map
    and its data open offline (without the basemap)."""
    import folium
    from branca.element import Element

    spec = FIGURES[figure]
    values = [feature["properties"].get(figure) for feature in fc["features"]]
    edges = class_breaks(values)
    colours = class_colours(max(len(edges) - 1, 0), spec.higher_is_better)
    level = fc.get("level", "")
    level_label = CoverageLevel(level).label if level in CoverageLevel.values else level
    layer_name = f"{spec.label} · {level_label}"

    features = []
    for feature in fc["features"]:
        properties = dict(feature["properties"])
        value = properties.get(figure)
        index = class_of(value, edges)
        nearest = properties.get("gap_nearest_service") or {}
        properties.update(
            {
                "area": properties.get("name") or properties.get("code") or str(feature.get("id")),
                "figure_text": format_figure(figure, value),
                "gap_text": format_figure("gap_population", properties.get("gap_population")),
                "nearest_text": nearest.get("name") or "–",
                "colour": NO_DATA_COLOUR if index is None else colours[index],
            }
        )
        properties.pop("gap_nearest_service", None)
        features.append({**feature, "properties": properties})

    options = hartis_options()
    south_west, north_east = _bounds(fc)
    centre = ((south_west[0] + north_east[0]) / 2, (south_west[1] + north_east[1]) / 2)
    report = folium.Map(location=centre, zoom_start=13, tiles=None, control_scale=True)
    if south_west != north_east:
        report.fit_bounds([south_west, north_east])
    # Folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs by default; the report
    # needs only Leaflet, which is inlined below from the copy we serve.
    report.default_js = []
    report.default_css = []
    script, style = _inline_leaflet()
    root = report.get_root()
    direction = "rtl" if get_language_bidi() else "ltr"
    root.header.add_child(Element(f"<title>{html.escape(title or layer_name)}</title>"))
    root.header.add_child(Element(f"<style>{style}</style>"), name="leaflet_css")
    root.header.add_child(Element(f"<style>{REPORT_STYLE}</style>"), name="hartis_css")
    root.header.add_child(Element(f"<script>{script}</script>"), name="leaflet")

    folium.TileLayer(
        tiles=options.basemap_tile_url,
        attr=options.basemap_attribution or "© OpenStreetMap",
        name=gettext("Basemap"),
        max_zoom=19,
    ).add_to(report)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=layer_name,
        style_function=lambda feature: {
            "fillColor": feature["properties"]["colour"],
            "fillOpacity": 0.75,
            "color": "#ffffff",
            "weight": 1,
        },
        highlight_function=lambda feature: {"weight": 3, "color": "#1d2a33"},
        tooltip=folium.GeoJsonTooltip(
            fields=["area", "figure_text", "gap_text", "nearest_text"],
            aliases=[
                gettext("Area"),
                str(spec.label),
                gettext("Residents not covered"),
                gettext("Nearest service to the gap"),
            ],
        ),
    ).add_to(report)
    if services:
        # Their own pane, above the areas (as on the dashboard), so the areas' pane holds areas.
        folium.map.CustomPane("points", z_index=450).add_to(report)
        points = folium.FeatureGroup(name=gettext("Services"))
        for service in services:
            marker = folium.CircleMarker(
                location=(service["lat"], service["lon"]),
                radius=5,
                color="#ffffff",
                weight=1.5,
                fill=True,
                fill_color="#1d2a33",
                fill_opacity=0.9,
                tooltip=service["name"],
            )
            marker.options["pane"] = "points"  # folium drops a pane given as an argument
            marker.add_to(points)
        points.add_to(report)
    folium.LayerControl(collapsed=False).add_to(report)

    heading = (
        f'<div class="hartis-title" dir="{direction}"><h1>{html.escape(title or layer_name)}'
        f"</h1><p>{html.escape(subtitle)}</p></div>"
    )
    root.html.add_child(Element(heading))
    legend = _legend_html(figure, edges, colours, str(spec.label), None in values)
    root.html.add_child(Element(legend.replace("<div ", f'<div dir="{direction}" ', 1)))
    return root.render().encode("utf-8")


def _bounds(fc: dict) -> tuple[tuple[float, float], tuple[float, float]]:
    """(south, west), (north, east) of the layer's coordinates; the city's centre when empty."""
    lons: list[float] = []
    lats: list[float] = []

    def walk(coordinates: Any) -> None:
        if coordinates and isinstance(coordinates[0], int | float):
            lons.append(coordinates[0])
            lats.append(coordinates[1])
        else:
            for part in coordinates or ():
                walk(part)

    for feature in fc["features"]:
        walk((feature.get("geometry") or {}).get("coordinates"))
    if not lons:
        lat, lon = settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
        return (lat, lon), (lat, lon)
    return (min(lats), min(lons)), (max(lats), max(lons))


def service_points(scenario: Scenario, limit: int = 2000) -> list[dict]:
    """Places of the scenario's services, as dicts (name, lat, lon), for the HTML report."""
    rows = (
        scenario.services()
        .filter(service_at_locations__location__point__isnull=False)
        .values_list("name", "service_at_locations__location__point")
        .order_by("name")[:limit]
    )
    return [{"name": name, "lat": point.y, "lon": point.x} for name, point in rows]
