/* Draws the districts (GeoJSON embedded in the page) on the Leaflet map. */
window.civicDistrictsMap = function (map) {
  "use strict";
  var source = document.getElementById("districts-geojson");
  if (!source) { return; }
  var layer = L.geoJSON(JSON.parse(source.textContent), {
    style: { color: "#1d4e89", weight: 2, fillOpacity: 0.08 },
    onEachFeature: function (feature, shape) { shape.bindTooltip(feature.properties.name); }
  }).addTo(map);
  if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [12, 12] }); }
};
