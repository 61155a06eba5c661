/* Hartis planners' dashboard: a scenario (theme, walk time, language, target group…) →
 * /api/coverage/ → a choropleth with a legend of its real class breaks, the 10 largest gaps
 * and a chart of covered / not covered residents per district; service points and their
 * catchments on top.
 *
 * The template renders only the shell and a JSON config (#planning-config). The scenario,
 * the figure, the areas and the map view live in the page URL, so a link reproduces the view.
 * Class breaks are quantiles computed here from the data, the same way as the HTML report's
 * (layers/planning.py class_breaks): the darkest class is always the worst served.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("planning-config").textContent);
  const text = config.text;
  const lang = document.documentElement.lang;
  const rtl = document.documentElement.dir === "rtl";
  const form = document.getElementById("planning");
  const statusLine = document.getElementById("planning-status");
  const errorLine = document.getElementById("planning-error");
  const methodLine = document.getElementById("planning-method");
  const tractHint = document.getElementById("tract-hint");
  const gapsBody = document.querySelector("#gaps tbody");
  const gapsFigure = document.getElementById("gaps-figure");
  const chart = document.getElementById("chart");
  const SCENARIO = ["theme", "minutes", "language", "target_group", "weekends", "free"];
  const VIEW = ["figure", "level"];
  const MAX_CATCHMENTS = 50; // catchments of the services in view, at most this many
  const SERVICE_PAGE_SIZE = 100;
  const SERVICE_PAGES = 5;
  const COVERED_COLOUR = "#21918c"; // viridis, as the map: covered mid-teal,
  const UNCOVERED_COLOUR = "#440154"; // not covered the darkest, as the worst classes

  const responses = new Map(); // URL → parsed body (a scenario is fetched once per page view)
  let coverageToken = 0;
  let serviceToken = 0;
  let catchmentToken = 0;
  let servicePoints = []; // GeoJSON features of the scenario's services with a place
  let lastLevel = null; // the level on the map: tract detail comes and goes with the zoom
  let fitted = false;
  let chartData = null; // redrawn at the new width when the window is resized

  // ---- formatting ---------------------------------------------------------------------
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key])).replace(/%%/g, "%");
  }

  function escapeHtml(value) {
    const span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span.innerHTML;
  }

  const numberFormats = {};
  function number(value, digits) {
    if (!numberFormats[digits]) {
      numberFormats[digits] = new Intl.NumberFormat(lang, {
        minimumFractionDigits: digits, maximumFractionDigits: digits,
      });
    }
    return numberFormats[digits].format(value);
  }

  const KINDS = { gap_nearest_minutes: "minutes", population: "people", covered_population: "people" };
  function formatFigure(name, value) {
    if (value == null) return "–";
    const kind = config.figures[name] ? config.figures[name].kind : KINDS[name] || "rate";
    if (kind === "share") return format(text.percent, { percent: number(value * 100, 1) });
    if (kind === "people") return number(Math.round(value), 0);
    if (kind === "minutes") return format(text.minutes, { minutes: number(value, 1) });
    return number(value, 2);
  }

  // ---- classes (same rule as layers/planning.py) ------------------------------------------
  function classBreaks(values, classes) {
    const ordered = values.filter((v) => v != null).sort((a, b) => a - b);
    if (!ordered.length) return [];
    const count = ordered.length;
    const edges = [ordered[0]];
    for (let step = 1; step < classes; step++) {
      const edge = ordered[Math.min(count - 1, Math.floor((step * count) / classes))];
      if (edge > edges[edges.length - 1]) edges.push(edge);
    }
    if (ordered[count - 1] > edges[edges.length - 1] || edges.length === 1) edges.push(ordered[count - 1]);
    return edges;
  }

  function classOf(value, edges) {
    if (value == null || edges.length < 2) return null;
    for (let index = edges.length - 2; index >= 0; index--) {
      if (value >= edges[index]) return index;
    }
    return 0;
  }

  function classColours(classes, higherIsBetter) {
    const palette = config.palette;
    if (classes <= 0) return [];
    const picks = classes === 1 ? [palette[2]] : Array.from({ length: classes },
      (_, i) => palette[Math.round((i * (palette.length - 1)) / (classes - 1))]);
    return higherIsBetter ? picks.reverse() : picks;
  }

  // ---- state in the URL -------------------------------------------------------------------
  function hasOption(select, value) {
    return Array.from(select.options).some((option) => option.value === value);
  }

  function readUrl() {
    const params = new URLSearchParams(window.location.search);
    SCENARIO.concat(VIEW).forEach((name) => {
      const field = form.elements[name];
      if (!params.has(name)) return;
      const value = params.get(name);
      if (field.type === "checkbox") field.checked = value === "1" || value === "true";
      else if (field.tagName === "SELECT") { if (hasOption(field, value)) field.value = value; }
      else field.value = value;
    });
    if (!params.has("theme") && hasOption(form.elements.theme, config.defaults.theme)) {
      form.elements.theme.value = config.defaults.theme;
    }
    form.elements.services.checked = params.get("services") !== "0";
    form.elements.catchments.checked = params.get("catchments") === "1";
    clampMinutes();
    const view = (params.get("map") || "").split("/").map(Number);
    return view.length === 3 && view.every(Number.isFinite) ? view : null;
  }

  function clampMinutes() {
    const field = form.elements.minutes;
    const value = parseInt(field.value, 10);
    const low = Number(field.min);
    const high = Number(field.max);
    field.value = String(Number.isFinite(value) ? Math.min(high, Math.max(low, value)) : config.defaults.minutes);
  }

  function scenarioParams() {
    const params = new URLSearchParams();
    SCENARIO.forEach((name) => {
      const field = form.elements[name];
      if (field.type === "checkbox") { if (field.checked) params.set(name, "1"); }
      else if (field.value) params.set(name, field.value);
    });
    return params;
  }

  function figure() { return form.elements.figure.value; }
  function isMigrantFigure() { return Boolean(config.figures[figure()].migrant); }

  function writeUrl() {
    const params = scenarioParams();
    VIEW.forEach((name) => params.set(name, form.elements[name].value));
    if (!form.elements.services.checked) params.set("services", "0");
    if (form.elements.catchments.checked) params.set("catchments", "1");
    const c = map.getCenter();
    params.set("map", [map.getZoom(), c.lat.toFixed(5), c.lng.toFixed(5)].join("/"));
    window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
  }

  // ---- the map ------------------------------------------------------------------------
  const view = readUrl();
  // Half zoom steps: the city then fills the map at common screen sizes.
  const map = L.map("map", { zoomControl: false, zoomSnap: 0.5 }).setView(
    view ? [view[1], view[2]] : config.center, view ? view[0] : config.zoom);
  L.control.zoom({ position: rtl ? "topleft" : "topright" }).addTo(map);
  L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
  L.control.scale({ position: rtl ? "bottomright" : "bottomleft" }).addTo(map);
  // Catchments above the areas, service points above both; neither hides the areas' tooltips.
  map.createPane("catchments").style.zIndex = 420;
  map.getPane("catchments").style.pointerEvents = "none";
  map.createPane("points").style.zIndex = 450;

  const areas = L.geoJSON(null).addTo(map);
  const catchments = L.layerGroup().addTo(map);
  const points = L.layerGroup().addTo(map);
  let selected = null;

  const legend = L.control({ position: rtl ? "bottomright" : "bottomleft" });
  legend.onAdd = function () {
    const div = L.DomUtil.create("div", "planning-legend");
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  legend.addTo(map);

  function effectiveLevel() {
    const chosen = form.elements.level.value;
    return chosen === "tract" && map.getZoom() < config.tractZoom ? "neighbourhood" : chosen;
  }

  function areaName(p) {
    if (p.name) return lang === "el" || !p.name_en || p.name_en === p.name ? p.name : p.name + " (" + p.name_en + ")";
    return p.code || "";
  }

  function areaUrl(p) {
    if (p.level === "neighbourhood" && p.slug) return config.areaPages.neighbourhood.replace("/slug/", "/" + encodeURIComponent(p.slug) + "/");
    if (p.level === "district" && p.number != null) return config.areaPages.district.replace("/0/", "/" + p.number + "/");
    return null;
  }

  function serviceUrl(id) {
    return config.serviceBase.replace("00000000-0000-0000-0000-000000000000", id);
  }

  function drawChoropleth(fc) {
    const name = figure();
    const spec = config.figures[name];
    const edges = classBreaks(fc.features.map((f) => f.properties[name]), config.classes);
    const colours = classColours(Math.max(edges.length - 1, 0), spec.higherIsBetter);
    const thin = fc.level === "tract";
    selected = null;
    areas.clearLayers();
    areas.options.style = (feature) => {
      const index = classOf(feature.properties[name], edges);
      return {
        fillColor: index == null ? config.noDataColour : colours[index],
        fillOpacity: 0.72, color: "#ffffff", weight: thin ? 0.6 : 1.2, opacity: 1,
      };
    };
    areas.options.onEachFeature = (feature, layer) => {
      const p = feature.properties;
      layer.bindTooltip(
        "<strong>" + escapeHtml(areaName(p)) + "</strong><br>" + escapeHtml(spec.label) + ": " +
        escapeHtml(formatFigure(name, p[name])) + "<br>" + escapeHtml(config.figures.gap_population.label) +
        ": " + escapeHtml(formatFigure("gap_population", p.gap_population)), { sticky: true });
    };
    areas.addData(fc.features);
    drawLegend(spec, name, edges, colours, fc.features.some((f) => f.properties[name] == null));
  }

  function drawLegend(spec, name, edges, colours, noData) {
    const rows = colours.map((colour, index) =>
      '<li><span class="legend-swatch" data-colour="' + colour + '"></span>' +
      escapeHtml(format(text.range, { low: formatFigure(name, edges[index]), high: formatFigure(name, edges[index + 1]) })) +
      "</li>");
    if (noData || !colours.length) {
      rows.push('<li><span class="legend-swatch" data-colour="' + config.noDataColour + '"></span>' +
        escapeHtml(text.noData) + "</li>");
    }
    legend.getContainer().innerHTML = "<strong>" + escapeHtml(spec.label) + "</strong><ul>" + rows.join("") +
      '</ul><div class="legend-note">' + escapeHtml(text.darkIsWorse) + "</div>";
    // Colours set through the DOM (CSSOM): the Content-Security-Policy refuses style="" markup.
    legend.getContainer().querySelectorAll(".legend-swatch").forEach((swatch) => {
      swatch.style.background = swatch.dataset.colour;
    });
  }

  function select(featureId) {
    areas.eachLayer((layer) => {
      const on = layer.feature.id === featureId;
      layer.setStyle({ weight: on ? 3 : layer.feature.properties.level === "tract" ? 0.6 : 1.2, color: on ? "#1d2a33" : "#ffffff" });
      if (on) { layer.bringToFront(); map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [20, 20] }); }
    });
    selected = featureId;
    gapsBody.querySelectorAll("tr").forEach((tr) => tr.classList.toggle("is-selected", tr.dataset.area === String(selected)));
  }

  // ---- the table of the largest gaps --------------------------------------------------------
  function drawTable(fc) {
    const key = isMigrantFigure() ? "gap_migrants" : "gap_population";
    gapsFigure.textContent = config.figures[key].label;
    const rows = fc.features.filter((f) => f.properties[key] != null)
      .sort((a, b) => b.properties[key] - a.properties[key]).slice(0, 10);
    gapsBody.replaceChildren(...rows.map((feature) => {
      const p = feature.properties;
      const tr = document.createElement("tr");
      tr.dataset.area = String(feature.id);
      const url = areaUrl(p);
      const nearest = p.gap_nearest_service;
      const name = p.name || p.code || "";
      const latin = lang !== "el" && p.name_en && p.name_en !== p.name ? '<span class="latin">' + escapeHtml(p.name_en) + "</span>" : "";
      tr.innerHTML =
        "<th scope=\"row\">" + (url ? '<a href="' + url + '">' + escapeHtml(name) + "</a>" : escapeHtml(name)) + latin + "</th>" +
        '<td class="num">' + escapeHtml(formatFigure(key, p[key])) + "</td>" +
        "<td>" + (nearest ? '<a href="' + serviceUrl(nearest.id) + '">' + escapeHtml(nearest.name) + "</a>" : "–") + "</td>" +
        '<td class="num">' + escapeHtml(formatFigure("gap_nearest_minutes", p.gap_nearest_minutes)) + "</td>";
      tr.addEventListener("click", (event) => {
        if (!event.target.closest("a")) select(feature.id);
      });
      return tr;
    }));
  }

  // ---- the chart: covered and not covered residents per district (inline SVG) --------------
  function svg(tag, attributes, content) {
    const attrs = Object.entries(attributes).map(([k, v]) => " " + k + '="' + escapeHtml(v) + '"').join("");
    return "<" + tag + attrs + ">" + (content || "") + "</" + tag + ">";
  }

  function drawChart(fc) {
    const rows = fc.features.map((f) => ({
      name: areaName(f.properties), number: f.properties.number,
      covered: f.properties.covered_population || 0, gap: f.properties.gap_population || 0,
    })).sort((a, b) => a.number - b.number);
    // Drawn at the figure's width in CSS pixels, so the text keeps its size on any screen.
    const width = Math.max(260, Math.round(chart.clientWidth || 320));
    const barSpace = width - 56; // the rest holds the share written after each bar
    const top = 26;
    const rowHeight = 34;
    const height = top + rows.length * rowHeight;
    const most = Math.max(1, ...rows.map((r) => r.covered + r.gap));
    const x = (start, length) => (rtl ? width - start - length : start); // bars grow from the start side
    const anchor = (atStart) => (rtl === atStart ? "end" : "start");
    const parts = [];
    [[text.covered, COVERED_COLOUR], [text.uncovered, UNCOVERED_COLOUR]].forEach(([label, colour], i) => {
      const at = i * 120;
      parts.push(svg("rect", { x: x(at, 12), y: 4, width: 12, height: 12, fill: colour }));
      parts.push(svg("text", { x: rtl ? width - at - 16 : at + 16, y: 14, "text-anchor": anchor(true), class: "chart-key" }, escapeHtml(label)));
    });
    rows.forEach((row, i) => {
      const y = top + i * rowHeight;
      const coveredWidth = (row.covered / most) * barSpace;
      const gapWidth = (row.gap / most) * barSpace;
      const total = row.covered + row.gap;
      const share = total ? row.covered / total : null;
      const label = format(text.chartRow, {
        name: row.name, covered: formatFigure("population", row.covered), gap: formatFigure("population", row.gap),
      });
      parts.push(svg("g", { class: "chart-row" },
        svg("title", {}, escapeHtml(label)) +
        svg("text", { x: rtl ? width : 0, y: y + 11, "text-anchor": anchor(true), class: "chart-label" }, escapeHtml(row.name)) +
        svg("rect", { x: x(0, coveredWidth), y: y + 15, width: coveredWidth, height: 14, fill: COVERED_COLOUR, class: "bar-covered" }) +
        svg("rect", { x: x(coveredWidth, gapWidth), y: y + 15, width: gapWidth, height: 14, fill: UNCOVERED_COLOUR, class: "bar-uncovered" }) +
        svg("text", { x: rtl ? width - coveredWidth - gapWidth - 4 : coveredWidth + gapWidth + 4, y: y + 26, "text-anchor": anchor(true), class: "chart-value" },
          escapeHtml(formatFigure("share_covered", share)))));
    });
    chart.innerHTML = svg("svg", {
      viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img", "aria-label": document.getElementById("chart-title").textContent,
      class: "chart-svg", // left to right in every language (planning.css): x runs from the start side by hand
    }, parts.join(""));
  }

  // ---- fetching --------------------------------------------------------------------------
  async function getJson(url, options) {
    if (responses.has(url)) return responses.get(url);
    const response = await fetch(url, options || { headers: { Accept: "application/geo+json" } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(response.status === 403 ? text.forbidden : reasons(body) || String(response.status));
      throw error;
    }
    responses.set(url, body);
    return body;
  }

  function reasons(body) {
    const found = [];
    (function walk(value) {
      if (value == null) return;
      if (typeof value === "string") found.push(value);
      else if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === "object") Object.values(value).forEach(walk);
    })(body);
    return found.join(" ");
  }

  function coverageUrl(level, migrants) {
    const params = scenarioParams();
    params.set("level", level);
    if (migrants) params.set("migrants", "1");
    return config.coverage + "?" + params.toString();
  }

  function updateExports() {
    const params = scenarioParams();
    params.set("level", form.elements.level.value);
    if (isMigrantFigure()) params.set("migrants", "1");
    ["csv", "geojson", "gpkg"].forEach((fmt) => {
      document.getElementById("export-" + fmt).href = config.exports[fmt] + "?" + params.toString();
    });
    params.set("figure", figure());
    document.getElementById("export-html").href = config.exports.html + "?" + params.toString();
  }

  async function refresh() {
    const token = ++coverageToken;
    const level = effectiveLevel();
    lastLevel = level;
    tractHint.hidden = !(form.elements.level.value === "tract" && level !== "tract");
    updateExports();
    statusLine.textContent = text.loading;
    errorLine.hidden = true;
    document.body.dataset.loaded = "false";
    let layer;
    let districts;
    try {
      [layer, districts] = await Promise.all([
        getJson(coverageUrl(level, isMigrantFigure())),
        getJson(coverageUrl("district", false)),
      ]);
    } catch (error) {
      if (token !== coverageToken) return;
      statusLine.textContent = "";
      errorLine.textContent = format(text.error, { reason: error.message });
      errorLine.hidden = false;
      return;
    }
    if (token !== coverageToken) return; // a newer scenario was asked for meanwhile
    drawChoropleth(layer);
    if (!view && !fitted && areas.getLayers().length) {
      fitted = true; // the first scenario frames the city; later ones keep the reader's view
      map.invalidateSize();
      map.fitBounds(areas.getBounds(), { padding: [4, 4] });
    }
    drawTable(layer);
    drawChart(districts);
    chartData = districts;
    methodLine.textContent = format(text.method, {
      method: config.methods[layer.method] || text.mixed,
      date: new Date(layer.computed_at).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" }),
    });
    statusLine.textContent = "";
    document.body.dataset.loaded = "true";
  }

  // ---- service points and catchments ---------------------------------------------------------
  function themeColour() {
    const chosen = form.elements.theme.value;
    const code = Object.keys(config.themes).find((c) => chosen === c || chosen.startsWith(c + "-"));
    return (config.themes[code] || config.themes.other).colour;
  }

  async function loadServices() {
    const token = ++serviceToken;
    const params = new URLSearchParams();
    ["theme", "language", "target_group"].forEach((name) => {
      if (form.elements[name].value) params.set(name, form.elements[name].value);
    });
    if (form.elements.free.checked) params.set("free", "true");
    params.set("limit", String(SERVICE_PAGE_SIZE));
    let url = config.servicesApi + "?" + params.toString();
    const features = [];
    try {
      for (let page = 0; url && page < SERVICE_PAGES; page++) {
        const body = await getJson(url);
        features.push(...body.features);
        url = body.next;
      }
    } catch (error) {
      return; // the coverage still stands without its points
    }
    if (token !== serviceToken) return;
    servicePoints = features.filter((f) => f.geometry);
    drawPoints();
    refreshCatchments();
  }

  function drawPoints() {
    points.clearLayers();
    if (!form.elements.services.checked) return;
    const colour = themeColour();
    servicePoints.forEach((feature) => {
      const p = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      L.circleMarker([lat, lon], {
        pane: "points", radius: 6, color: "#ffffff", weight: 2, fillColor: colour, fillOpacity: 1,
      }).bindTooltip(escapeHtml(p.name))
        .bindPopup("<strong>" + escapeHtml(p.name) + "</strong><br>" + escapeHtml(p.organization) +
          '<br><a href="' + serviceUrl(p.service_id) + '">' + escapeHtml(text.details) + "</a>")
        .addTo(points);
    });
  }

  async function refreshCatchments() {
    const token = ++catchmentToken;
    if (!form.elements.catchments.checked) {
      catchments.clearLayers();
      return;
    }
    const bounds = map.getBounds();
    const ids = [];
    servicePoints.forEach((feature) => {
      const [lon, lat] = feature.geometry.coordinates;
      const id = feature.properties.service_id;
      if (ids.length < MAX_CATCHMENTS && !ids.includes(id) && bounds.contains([lat, lon])) ids.push(id);
    });
    const minutes = form.elements.minutes.value;
    const layers = await Promise.all(ids.map((id) =>
      getJson(config.catchment.replace("00000000-0000-0000-0000-000000000000", id) + "?minutes=" + minutes)
        .catch(() => null)));
    if (token !== catchmentToken) return;
    catchments.clearLayers();
    layers.filter(Boolean).forEach((fc) => {
      L.geoJSON(fc, {
        pane: "catchments", interactive: false,
        style: { color: "#1d2a33", weight: 1.5, dashArray: "4 4", fillColor: "#1d2a33", fillOpacity: 0.06 },
      }).addTo(catchments);
    });
    statusLine.textContent = format(text.catchmentsShown, { count: ids.length });
  }

  // ---- wiring -------------------------------------------------------------------------
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("change", (event) => {
    const name = event.target.name;
    if (name === "minutes") clampMinutes();
    writeUrl();
    if (name === "figure" || name === "level" || name === "minutes" || name === "weekends") {
      // A figure of the same layer is answered from memory; migrant figures need their own.
      refresh();
      if (name === "minutes") refreshCatchments();
    } else if (SCENARIO.includes(name)) {
      refresh();
      loadServices();
    } else if (name === "services") {
      drawPoints();
    } else if (name === "catchments") {
      refreshCatchments();
    }
  });

  let moving = null;
  map.on("moveend", () => {
    writeUrl();
    if (effectiveLevel() !== lastLevel) {
      lastLevel = effectiveLevel();
      refresh();
    }
    clearTimeout(moving);
    moving = setTimeout(refreshCatchments, 300);
  });

  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => { if (chartData) drawChart(chartData); }, 200);
  });

  refresh();
  loadServices();
})();
