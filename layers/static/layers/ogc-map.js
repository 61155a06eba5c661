/* The map of an OGC API HTML page: the features of the page, from the "ogc-map-data" JSON
   block. A static file, not an inline script, so the Content-Security-Policy needs no
   'unsafe-inline'. Deferred, like Leaflet, so Leaflet has run by the time this does. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("ogc-map-data").textContent);
  var map = L.map("ogc-map");
  L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 19 }).addTo(map);
  var layer = L.geoJSON(data.features, {
    // Circles rather than marker images: light, and drawn in the same colour as areas.
    pointToLayer: function (feature, latlng) {
      return L.circleMarker(latlng, { radius: 6, weight: 2 });
    },
    onEachFeature: function (feature, shape) {
      var label = feature.properties.name || feature.properties.code || feature.id;
      shape.bindTooltip(String(label));
    },
  }).addTo(map);
  if (layer.getLayers().length) {
    map.fitBounds(layer.getBounds(), { maxZoom: 16 });
  } else {
    map.setView([37.9838, 23.7275], 13);
  }
})();
