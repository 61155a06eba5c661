/* The members' service form: a point picker and an area drawing tool on Leaflet maps, rows of
   weekly hours added and removed, translation tabs and a filter over the languages spoken.
   Without JavaScript the form still works: coordinates are typed, the hours have a few fixed
   rows, the translations are stacked sections. Every text a person reads is in the page. */
(function () {
  "use strict";
  const form = document.querySelector(".service-form");
  if (!form) return;
  form.classList.add("js-on");
  const config = JSON.parse(document.getElementById("service-form-config").textContent);
  const rtl = document.documentElement.dir === "rtl";
  const round6 = (value) => Math.round(value * 1e6) / 1e6; // ~0.1 m, as stored

  function baseMap(element) {
    const map = L.map(element, { scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ position: rtl ? "topleft" : "topright" }).addTo(map);
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
    if (config.city) {
      // The city's boundary: points outside it are refused by the server.
      L.geoJSON(config.city, {
        interactive: false,
        style: { color: "#243b4a", weight: 2, dashArray: "6 4", fill: false },
      }).addTo(map);
    }
    map.setView(config.center, config.zoom);
    return map;
  }

  /* The main place: a click or a dragged marker fills the longitude and latitude inputs;
     typing them moves the marker. */
  function pointPicker() {
    const element = document.getElementById("place-map");
    const lon = form.elements.lon;
    const lat = form.elements.lat;
    const clear = form.querySelector(".clear-point");
    const map = baseMap(element);
    let marker = null;

    function show(latlng) {
      if (marker === null) {
        marker = L.marker(latlng, { draggable: true, autoPan: true }).addTo(map);
        marker.on("dragend", () => write(marker.getLatLng()));
      } else {
        marker.setLatLng(latlng);
      }
      clear.parentElement.hidden = false;
    }
    function write(latlng) {
      lon.value = round6(latlng.lng);
      lat.value = round6(latlng.lat);
    }
    function read() {
      const x = parseFloat(lon.value);
      const y = parseFloat(lat.value);
      if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 180 || Math.abs(y) > 90) {
        return null;
      }
      show([y, x]);
      return L.latLng(y, x);
    }

    map.on("click", (event) => {
      show(event.latlng);
      write(event.latlng);
    });
    [lon, lat].forEach((input) =>
      input.addEventListener("change", () => {
        const latlng = read();
        if (latlng) map.panTo(latlng);
      }),
    );
    clear.addEventListener("click", () => {
      if (marker) map.removeLayer(marker);
      marker = null;
      lon.value = "";
      lat.value = "";
      clear.parentElement.hidden = true;
      lon.focus();
    });
    const start = read();
    if (start) map.setView(start, 16);
  }

  /* The area served: polygons drawn corner by corner, corners dragged to edit, all deleted
     at once. Kept in the hidden input as a GeoJSON Polygon (one) or MultiPolygon (several). */
  function catchmentTool() {
    const element = document.getElementById("catchment-map");
    const input = form.elements.catchment;
    const tools = form.querySelector(".catchment-tools");
    const drawButton = tools.querySelector(".draw-area");
    const finishButton = tools.querySelector(".finish-area");
    const deleteButton = tools.querySelector(".delete-area");
    tools.hidden = false;
    const map = baseMap(element);
    const shapes = L.layerGroup().addTo(map);
    const cornerIcon = L.divIcon({ className: "area-corner", iconSize: [12, 12] });
    let polygons = parse(input.value); // [[ring of L.LatLng, without the closing point], …]
    let draft = null; // the ring being drawn

    function parse(text) {
      let geometry;
      try {
        geometry = JSON.parse(text || "null");
      } catch (error) {
        return []; // the server says what is wrong with it; the map starts empty
      }
      if (!geometry) return [];
      const parts =
        geometry.type === "Polygon" ? [geometry.coordinates] :
        geometry.type === "MultiPolygon" ? geometry.coordinates : [];
      return parts.map((rings) =>
        rings.map((ring) => ring.slice(0, -1).map(([x, y]) => L.latLng(y, x))),
      );
    }
    function write() {
      const parts = polygons.map((rings) =>
        rings.map((ring) => {
          const coordinates = ring.map((p) => [round6(p.lng), round6(p.lat)]);
          return coordinates.concat([coordinates[0]]);
        }),
      );
      input.value =
        parts.length === 0 ? "" :
        JSON.stringify(
          parts.length === 1 ?
            { type: "Polygon", coordinates: parts[0] } :
            { type: "MultiPolygon", coordinates: parts },
        );
    }
    function draw() {
      shapes.clearLayers();
      polygons.forEach((rings) => {
        const polygon = L.polygon(rings, { color: "#005f73", weight: 2, fillOpacity: 0.15 });
        shapes.addLayer(polygon);
        rings.forEach((ring) =>
          ring.forEach((latlng, index) => {
            const corner = L.marker(latlng, { draggable: true, icon: cornerIcon, keyboard: false });
            corner.on("drag", () => {
              ring[index] = corner.getLatLng();
              polygon.setLatLngs(rings);
            });
            corner.on("dragend", write);
            shapes.addLayer(corner);
          }),
        );
      });
      if (draft) {
        shapes.addLayer(L.polyline(draft, { color: "#8a4b00", weight: 2, dashArray: "4 4" }));
        draft.forEach((latlng) => shapes.addLayer(L.marker(latlng, { icon: cornerIcon, interactive: false })));
      }
      finishButton.disabled = !(draft && draft.length >= 3);
    }
    function drawing(on) {
      draft = on ? [] : null;
      drawButton.setAttribute("aria-pressed", String(on));
      element.classList.toggle("is-drawing", on);
      draw();
    }

    map.on("click", (event) => {
      if (draft === null) return;
      draft.push(event.latlng);
      draw();
    });
    drawButton.addEventListener("click", () => drawing(draft === null));
    finishButton.addEventListener("click", () => {
      if (!draft || draft.length < 3) return;
      polygons.push([draft]);
      drawing(false);
      write();
    });
    deleteButton.addEventListener("click", () => {
      polygons = [];
      drawing(false);
      write();
    });
    element.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && draft !== null) drawing(false);
    });
    draw();
    if (polygons.length) map.fitBounds(L.featureGroup(shapes.getLayers()).getBounds(), { maxZoom: 16 });
  }

  /* Weekly hours: "Add" clones the formset's empty row; "Remove" ticks the row's DELETE box
     (the server then ignores it) and hides it. */
  function hoursEditor() {
    const fieldset = form.querySelector(".hours-editor");
    const total = form.elements["hours-TOTAL_FORMS"];
    const most = parseInt(form.elements["hours-MAX_NUM_FORMS"].value, 10);
    const body = fieldset.querySelector(".hours-rows tbody");
    const template = document.getElementById("hours-row-template");
    const addButton = fieldset.querySelector(".add-hours");
    addButton.parentElement.hidden = false;

    function wire(row) {
      const remove = row.querySelector("input[name$='-DELETE']");
      remove.addEventListener("change", () => {
        if (!remove.checked) return;
        row.hidden = true;
        addButton.focus();
      });
    }
    body.querySelectorAll(".hours-row").forEach(wire);
    addButton.addEventListener("click", () => {
      const index = parseInt(total.value, 10);
      if (index >= most) return;
      const fragment = template.content.cloneNode(true);
      fragment.querySelectorAll("[name], [id], [for]").forEach((node) => {
        ["name", "id", "for"].forEach((attribute) => {
          if (node.hasAttribute(attribute)) {
            node.setAttribute(attribute, node.getAttribute(attribute).replace(/__prefix__/g, index));
          }
        });
      });
      const row = fragment.querySelector(".hours-row");
      body.appendChild(fragment);
      total.value = index + 1;
      wire(row);
      row.querySelector("select").focus();
    });
  }

  /* Translations: one tab per interface language except the one the text is written in. */
  function translationTabs() {
    const list = form.querySelector(".translations [role=tablist]");
    const tabs = Array.from(list.querySelectorAll("[role=tab]"));
    const panelOf = (tab) => document.getElementById(tab.getAttribute("aria-controls"));
    const own = form.elements.language;
    list.hidden = false;

    function select(tab) {
      tabs.forEach((each) => {
        const on = each === tab;
        each.setAttribute("aria-selected", String(on));
        each.tabIndex = on ? 0 : -1;
        panelOf(each).hidden = !on;
      });
    }
    function sync() {
      tabs.forEach((tab) => {
        tab.hidden = tab.dataset.language === own.value;
      });
      const shown = tabs.filter((tab) => !tab.hidden);
      const current = shown.find((tab) => tab.getAttribute("aria-selected") === "true");
      select(current || shown[0]);
    }
    tabs.forEach((tab) => tab.addEventListener("click", () => select(tab)));
    list.addEventListener("keydown", (event) => {
      const shown = tabs.filter((tab) => !tab.hidden);
      const at = shown.indexOf(document.activeElement);
      if (at < 0) return;
      const forward = rtl ? "ArrowLeft" : "ArrowRight";
      const backward = rtl ? "ArrowRight" : "ArrowLeft";
      let next = null;
      if (event.key === forward) next = shown[(at + 1) % shown.length];
      if (event.key === backward) next = shown[(at - 1 + shown.length) % shown.length];
      if (event.key === "Home") next = shown[0];
      if (event.key === "End") next = shown[shown.length - 1];
      if (next) {
        event.preventDefault();
        select(next);
        next.focus();
      }
    });
    own.addEventListener("change", sync);
    sync();
    const withError = tabs.find((tab) => !tab.hidden && panelOf(tab).querySelector(".errorlist"));
    if (withError) select(withError);
  }

  /* Languages spoken: typing narrows the list (ticked languages stay in view). */
  function languageFilter() {
    const box = form.querySelector(".language-filter");
    const search = box.querySelector("input");
    const labels = Array.from(form.querySelectorAll(".languages-spoken .check-columns label"));
    box.hidden = false;
    search.addEventListener("input", () => {
      const wanted = search.value.trim().toLocaleLowerCase();
      labels.forEach((label) => {
        const ticked = label.querySelector("input").checked;
        label.hidden = wanted !== "" && !ticked && !label.textContent.toLocaleLowerCase().includes(wanted);
      });
    });
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault(); // filtering, not saving the form
    });
  }

  hoursEditor();
  translationTabs();
  languageFilter();
  if (window.L) {
    pointPicker();
    catchmentTool();
  }
})();
