/* Small static maps on service and area pages: a point, or an outline with its services. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const rtl = document.documentElement.dir === "rtl";

  document.querySelectorAll(".small-map").forEach((element) => {
    const map = L.map(element, { scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ position: rtl ? "topleft" : "topright" }).addTo(map);
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
    if (element.dataset.point) {
      const [lon, lat] = element.dataset.point.split(",").map(Number);
      L.circleMarker([lat, lon], { radius: 9, color: "#102a43", weight: 3, fillColor: "#0072B2", fillOpacity: 1 }).addTo(map);
      map.setView([lat, lon], 16);
      return;
    }
    const outline = L.geoJSON(JSON.parse(element.dataset.outline), {
      style: { color: "#243b4a", weight: 2, fillOpacity: 0.05 },
    }).addTo(map);
    map.fitBounds(outline.getBounds(), { padding: [10, 10] });
    document.querySelectorAll(".area-results li[data-point]").forEach((item) => {
      const [lon, lat] = item.dataset.point.split(",").map(Number);
      L.circleMarker([lat, lon], { radius: 6, color: "#ffffff", weight: 2, fillColor: "#0072B2", fillOpacity: 1 })
        .bindTooltip(item.querySelector("a").textContent).addTo(map);
    });
  });
})();
