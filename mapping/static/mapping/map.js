/* Hartis public map: filters → /api/services/ → clustered markers + a synchronised list.
 *
 * A large directory (more active services than HARTIS_SERVICES_AS_TILES_ABOVE, see
 * #services-tiles) is drawn from vector tiles instead (/tiles/services/{z}/{x}/{y}.mvt with the
 * same filters, Leaflet.VectorGrid): the server clusters them below zoom 17, so the browser
 * never holds more than a screenful of markers. The list still comes from the API, page by page.
 *
 * The page template renders only the shell and a JSON config (#map-config). Area outlines
 * are fetched the first time their layer is switched on. The filters and the map view live
 * in the page URL, so a link reproduces the view; a searched point never does (privacy: it
 * is sent with one API request and kept nowhere else).
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("map-config").textContent);
  const tilesConfig = JSON.parse((document.getElementById("services-tiles") || {}).textContent || "{}");
  const useTiles = Boolean(tilesConfig.use && L.vectorGrid);
  const text = config.text;
  const rtl = document.documentElement.dir === "rtl";
  const form = document.getElementById("filters");
  const list = document.getElementById("results");
  const countLabel = document.getElementById("result-count");
  const emptyNote = document.getElementById("results-empty");
  const errorNote = document.getElementById("results-error");
  const placeStatus = document.getElementById("place-status");
  const pickButton = document.getElementById("pick-point");
  const clearButton = document.getElementById("clear-point");
  const referralBar = document.getElementById("referral-bar");
  const referralLink = document.getElementById("referral-link");
  const FILTERS = ["q", "theme", "language", "target_group", "organization_type", "district",
    "neighbourhood", "open_now", "free", "remote", "demo"];
  const PAGE_SIZE = 100;
  const MAX_PAGES = 10;

  let near = null; // [lon, lat] of the searched point, memory only
  let picking = false;
  let loadToken = 0;
  const markers = new Map(); // feature id → marker
  const referral = new Set(); // service ids ticked for the referral sheet

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
  }

  // ---- state in the URL -------------------------------------------------------------
  function readUrl() {
    const params = new URLSearchParams(window.location.search);
    FILTERS.forEach((name) => {
      const field = form.elements[name];
      if (!field || !params.has(name)) return;
      if (field.type === "checkbox") field.checked = params.get(name) === field.value;
      else field.value = params.get(name);
    });
    const view = (params.get("map") || "").split("/").map(Number);
    return view.length === 3 && view.every(Number.isFinite) ? view : null;
  }

  function filterParams() {
    const params = new URLSearchParams();
    FILTERS.forEach((name) => {
      const field = form.elements[name];
      if (!field) return;
      if (field.type === "checkbox") {
        if (field.checked) params.set(name, field.value);
      } else if (field.value.trim()) {
        params.set(name, field.value.trim());
      }
    });
    return params;
  }

  function writeUrl() {
    const params = filterParams();
    const c = map.getCenter();
    params.set("map", [map.getZoom(), c.lat.toFixed(5), c.lng.toFixed(5)].join("/"));
    window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
  }

  // ---- the map ------------------------------------------------------------------------
  const view = readUrl();
  const map = L.map("map", { zoomControl: false }).setView(
    view ? [view[1], view[2]] : config.center, view ? view[0] : config.zoom);
  L.control.zoom({ position: rtl ? "topleft" : "topright" }).addTo(map);
  L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
  L.control.scale({ position: rtl ? "bottomright" : "bottomleft" }).addTo(map);

  function clusterIcon(cluster) {
    const n = cluster.getChildCount();
    const size = n < 10 ? 34 : n < 100 ? 40 : 48;
    return L.divIcon({
      html: "<span>" + n + "</span>", className: "cluster", iconSize: [size, size],
    });
  }

  const themeOrder = Object.keys(config.themes);
  // Theme colours come from the server; the Content-Security-Policy allows no style=""
  // attributes, so each theme is a class in a constructed stylesheet (CSSOM, which it allows).
  const themeSheet = new CSSStyleSheet();
  themeOrder.forEach((code) => {
    const style = config.themes[code];
    themeSheet.insertRule("." + themeClass(code) + " { background: " + style.colour +
      "; color: " + style.text + "; }");
  });
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, themeSheet];
  function themeClass(code) { return "theme-" + CSS.escape(code); }
  const legendNames = {};
  document.querySelectorAll("#legend-items li").forEach((li) => {
    legendNames[li.dataset.theme] = li.textContent;
  });
  const groups = {};
  const overlays = {};
  themeOrder.forEach((code) => {
    const style = config.themes[code];
    // With tiles a theme's overlay is only a switch: the tile layer draws its markers.
    groups[code] = (useTiles ? L.layerGroup() : L.markerClusterGroup({
      iconCreateFunction: clusterIcon, showCoverageOnHover: false, maxClusterRadius: 50,
    })).addTo(map);
    const name = legendNames[code] || text.other;
    overlays['<span class="swatch ' + themeClass(code) + '">' + style.symbol + "</span> " +
      escapeHtml(name)] = groups[code];
  });

  const outlines = {};
  ["districts", "neighbourhoods"].forEach((kind) => {
    outlines[kind] = L.geoJSON(null, {
      style: { color: kind === "districts" ? "#243b4a" : "#5b6b75", weight: kind === "districts" ? 2 : 1, fill: false },
      onEachFeature: (feature, layer) => layer.bindTooltip(feature.properties.name, { sticky: true }),
    });
    outlines[kind].loaded = false;
    overlays[escapeHtml(text[kind])] = outlines[kind];
  });
  L.control.layers(null, overlays, {
    collapsed: window.innerWidth < 700, position: rtl ? "topleft" : "topright",
  }).addTo(map);
  map.on("overlayadd overlayremove", (event) => {
    if (!useTiles) return;
    const code = themeOrder.find((c) => groups[c] === event.layer);
    if (!code) return;
    if (event.type === "overlayadd") hiddenThemes.delete(code); else hiddenThemes.add(code);
    servicesTiles.redraw();
  });
  map.on("overlayadd", (event) => {
    const kind = Object.keys(outlines).find((k) => outlines[k] === event.layer);
    if (!kind || outlines[kind].loaded) return;
    outlines[kind].loaded = true;
    fetch(config.layers[kind]).then((r) => r.json()).then((data) => outlines[kind].addData(data))
      .catch(() => { outlines[kind].loaded = false; });
  });

  const nearMarker = L.circleMarker([0, 0], {
    radius: 8, color: "#102a43", weight: 3, fillColor: "#ffffff", fillOpacity: 1,
  });

  function escapeHtml(value) {
    const span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span.innerHTML;
  }

  function primaryTheme(properties) {
    const chosen = form.elements.theme.value;
    const fromFilter = chosen && themeOrder.find((code) => chosen === code || chosen.startsWith(code + "-"));
    if (fromFilter) return fromFilter;
    return themeOrder.find((code) => properties.themes.includes(code)) || themeOrder[0];
  }

  function distanceText(p) {
    if (p.distance_m == null) return "";
    return format(text.distance, {
      km: (p.distance_m / 1000).toLocaleString(document.documentElement.lang, { maximumFractionDigits: 1 }),
      minutes: p.walk_minutes,
    });
  }

  function detailUrl(serviceId) {
    return config.detailBase.replace("00000000-0000-0000-0000-000000000000", serviceId);
  }

  function popupHtml(p) {
    return "<strong>" + escapeHtml(p.name) + "</strong><br>" + escapeHtml(p.organization) +
      (distanceText(p) ? "<br>" + escapeHtml(distanceText(p)) : "") +
      '<br><a href="' + detailUrl(p.service_id) + '">' + escapeHtml(text.details) + "</a>";
  }

  // ---- services from vector tiles (large directories) ------------------------------------
  const hiddenThemes = new Set();
  const icons = {};
  const listed = new Map(); // service id → features of the list, for a tile marker's popup
  let servicesTiles = null;
  let tilesUrl = null;

  function svgIcon(key, size, body) {
    if (!icons[key]) {
      const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="' + size + '" height="' + size + '">' + body + "</svg>";
      icons[key] = L.icon({
        iconUrl: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg),
        iconSize: [size, size], iconAnchor: [size / 2, size / 2],
      });
    }
    return icons[key];
  }

  function pinIcon(theme) { // as the .pin markers: the theme's colour and symbol, white ring
    const style = config.themes[theme];
    return svgIcon("pin-" + theme, 30,
      '<circle cx="15" cy="15" r="13" fill="' + style.colour + '" stroke="#fff" stroke-width="2"/>' +
      '<text x="15" y="20.5" text-anchor="middle" font-size="16" font-family="sans-serif" fill="' +
      style.text + '">' + escapeHtml(style.symbol) + "</text>");
  }

  function countIcon(n) { // as the .cluster markers: a calm blue-grey disc with the count
    const size = n < 10 ? 34 : n < 100 ? 40 : 48;
    return svgIcon("count-" + n, size,
      '<circle cx="' + size / 2 + '" cy="' + size / 2 + '" r="' + (size / 2 - 1.5) +
      '" fill="rgba(36,59,74,.85)" stroke="rgba(255,255,255,.8)" stroke-width="3"/>' +
      '<text x="50%" y="50%" dy=".35em" text-anchor="middle" font-size="13" font-weight="700" ' +
      'font-family="sans-serif" fill="#fff">' + n + "</text>");
  }

  function tileStyle(properties) {
    // A radius over 10 px makes Leaflet place the click where the pointer is.
    if (properties.count > 1) {
      const icon = countIcon(properties.count);
      return { icon: icon, radius: icon.options.iconSize[0] / 2 };
    }
    const theme = primaryTheme({ themes: (properties.themes || "").split(",").filter(Boolean) });
    if (hiddenThemes.has(theme)) return [];
    return { icon: pinIcon(theme), radius: 15 };
  }

  function tileUrl() {
    const params = filterParams();
    params.set("lang", document.documentElement.lang);
    return tilesConfig.url + "?" + params.toString();
  }

  function tileMarkerClicked(event) {
    const p = event.layer.properties;
    if (picking) { pickAt(event.latlng); return; }
    if (p.count > 1) { map.setView(event.latlng, Math.min(map.getZoom() + 2, map.getMaxZoom())); return; }
    // The list's feature of this service nearest the click, when the list holds it: the
    // popup is then the list marker's own (organisation, distance); else the details fill in.
    const candidates = listed.get(p.service_id) || [];
    let feature = null;
    candidates.forEach((f) => {
      const [lon, lat] = f.geometry.coordinates;
      if (!feature || map.distance(event.latlng, [lat, lon]) < map.distance(event.latlng, feature.at)) {
        feature = { id: f.id, properties: f.properties, at: [lat, lon] };
      }
    });
    const popup = L.popup({ offset: [0, -14] }).setLatLng(feature ? feature.at : event.latlng);
    if (feature) {
      popup.setContent(popupHtml(feature.properties)).openOn(map);
      highlight(feature.id, true);
      return;
    }
    popup.setContent(popupHtml({ name: p.name, service_id: p.service_id, organization: "" })).openOn(map);
    fetch(config.api + p.service_id + "/").then((r) => (r.ok ? r.json() : null)).then((detail) => {
      if (detail && popup.isOpen()) {
        popup.setContent(popupHtml({ name: p.name, service_id: p.service_id, organization: detail.organization.name }));
      }
    }).catch(() => {});
  }

  if (useTiles) {
    tilesUrl = tileUrl();
    servicesTiles = L.vectorGrid.protobuf(tilesUrl, {
      rendererFactory: L.svg.tile,
      vectorTileLayerStyles: { services: tileStyle },
      interactive: true,
      maxNativeZoom: 22,
      attribution: "",
    }).on("click", tileMarkerClicked).addTo(map);
  }

  // ---- results --------------------------------------------------------------------------
  function clearResults() {
    Object.values(groups).forEach((group) => group.clearLayers());
    markers.clear();
    listed.clear();
    list.replaceChildren();
  }

  function highlight(id, scroll) {
    list.querySelectorAll(".is-selected").forEach((el) => el.classList.remove("is-selected"));
    const item = list.querySelector('[data-feature="' + CSS.escape(id) + '"]');
    if (item) {
      item.classList.add("is-selected");
      if (scroll) item.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }

  function addFeature(feature, index) {
    const p = feature.properties;
    const theme = primaryTheme(p);
    const style = config.themes[theme];
    const item = document.createElement("li");
    item.dataset.feature = feature.id;
    item.className = "result";
    item.innerHTML =
      '<span class="swatch ' + themeClass(theme) + '" aria-hidden="true">' + style.symbol + "</span>" +
      '<div class="result-body"><a class="result-name" href="' + detailUrl(p.service_id) + '">' +
      escapeHtml(p.name) + "</a>" + (p.is_demo ? ' <span class="badge badge-demo">' + escapeHtml(text.demo) + "</span>" : "") +
      '<div class="muted">' + escapeHtml(p.organization) + "</div>" +
      '<div class="result-meta">' + escapeHtml(feature.geometry ? (p.address || "") : text.remote) +
      (distanceText(p) ? " · " + escapeHtml(distanceText(p)) : "") + "</div>" +
      '<label class="refer"><input type="checkbox" value="' + p.service_id + '"' +
      (referral.has(p.service_id) ? " checked" : "") + "> " + escapeHtml(text.refer) + "</label></div>";
    list.appendChild(item);
    item.querySelector(".refer input").addEventListener("change", (event) => {
      if (event.target.checked) referral.add(p.service_id); else referral.delete(p.service_id);
      updateReferral();
    });
    if (!feature.geometry) return;
    const [lon, lat] = feature.geometry.coordinates;
    if (useTiles) { // the tiles draw the marker; the list item shows its popup
      if (!listed.has(p.service_id)) listed.set(p.service_id, []);
      listed.get(p.service_id).push(feature);
      item.addEventListener("click", (event) => {
        if (event.target.closest("a, input, label")) return;
        highlight(feature.id, false);
        map.setView([lat, lon], Math.max(map.getZoom(), 17));
        L.popup({ offset: [0, -14] }).setLatLng([lat, lon]).setContent(popupHtml(p)).openOn(map);
      });
      return;
    }
    const marker = L.marker([lat, lon], {
      title: p.name,
      alt: p.name,
      icon: L.divIcon({
        className: "pin",
        html: '<span class="' + themeClass(theme) + '">' + style.symbol + "</span>",
        iconSize: [30, 30], iconAnchor: [15, 15], popupAnchor: [0, -14],
      }),
    });
    marker.bindPopup(popupHtml(p));
    marker.on("click", (event) => {
      if (picking) { pickAt(event.latlng); return; } // a marker under the finger is a fine point too
      highlight(feature.id, true);
    });
    groups[theme].addLayer(marker);
    markers.set(feature.id, { marker: marker, group: groups[theme] });
    item.addEventListener("click", (event) => {
      if (event.target.closest("a, input, label")) return;
      highlight(feature.id, false);
      const entry = markers.get(feature.id);
      entry.group.zoomToShowLayer(entry.marker, () => entry.marker.openPopup());
    });
  }

  function updateReferral() {
    referralBar.hidden = referral.size === 0;
    const url = new URL(referralLink.href, window.location.href);
    url.search = new URLSearchParams({ services: Array.from(referral).join(",") }).toString();
    referralLink.href = url.pathname + url.search;
  }

  async function load() {
    const token = ++loadToken;
    if (servicesTiles && tilesUrl !== tileUrl()) { tilesUrl = tileUrl(); servicesTiles.setUrl(tilesUrl); }
    const params = filterParams();
    if (near) params.set("near", near[0].toFixed(6) + "," + near[1].toFixed(6));
    params.set("limit", String(PAGE_SIZE));
    errorNote.hidden = true;
    let url = config.api + "?" + params.toString();
    const features = [];
    let total = 0;
    let exact = true;
    try {
      for (let page = 0; url && page < MAX_PAGES; page++) {
        const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
        if (!response.ok) throw new Error(String(response.status));
        const body = await response.json();
        total = body.count;
        exact = body.count_is_exact;
        features.push(...body.features);
        url = body.next;
      }
    } catch (error) {
      if (token === loadToken) errorNote.hidden = false;
      return;
    }
    if (token !== loadToken) return; // a newer search started meanwhile
    clearResults();
    features.forEach(addFeature);
    countLabel.textContent = format(text.count, { count: exact ? total : total + "+" });
    emptyNote.hidden = features.length > 0;
    document.body.dataset.loaded = "true";
  }

  // ---- a searched point: near me, or picked on the map -----------------------------------
  function setNear(lon, lat) {
    near = [lon, lat];
    nearMarker.setLatLng([lat, lon]).addTo(map).bindTooltip(text.yourPoint);
    placeStatus.textContent = text.nearPoint;
    clearButton.hidden = false;
    load();
  }

  document.getElementById("near-me").addEventListener("click", () => {
    if (!navigator.geolocation) { placeStatus.textContent = text.noGeolocation; return; }
    placeStatus.textContent = text.locating;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        map.setView([position.coords.latitude, position.coords.longitude], 15);
        setNear(position.coords.longitude, position.coords.latitude);
      },
      () => { placeStatus.textContent = text.noGeolocation; },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 });
  });

  pickButton.addEventListener("click", () => {
    picking = !picking;
    pickButton.setAttribute("aria-pressed", String(picking));
    map.getContainer().classList.toggle("is-picking", picking);
    placeStatus.textContent = picking ? text.pickHint : "";
  });

  function pickAt(latlng) {
    picking = false;
    pickButton.setAttribute("aria-pressed", "false");
    map.getContainer().classList.remove("is-picking");
    map.closePopup();
    setNear(latlng.lng, latlng.lat);
  }

  map.on("click", (event) => { if (picking) pickAt(event.latlng); });

  clearButton.addEventListener("click", () => {
    near = null;
    map.removeLayer(nearMarker);
    clearButton.hidden = true;
    placeStatus.textContent = "";
    load();
  });

  // ---- wiring -------------------------------------------------------------------------
  let typing = null;
  form.addEventListener("input", (event) => {
    if (event.target.name === "q") {
      clearTimeout(typing);
      typing = setTimeout(() => { writeUrl(); load(); }, 350);
    }
  });
  form.addEventListener("change", (event) => {
    if (event.target.name === "q") return;
    writeUrl();
    load();
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); writeUrl(); load(); });
  map.on("moveend", writeUrl);
  load();
})();
