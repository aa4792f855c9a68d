/* Sensors on the Leaflet map, coloured by their district's air-quality index. */
window.civicSensorsMap = function (map) {
  "use strict";
  var source = document.getElementById("sensors-geojson");
  if (!source) { return; }
  var layer = L.geoJSON(JSON.parse(source.textContent), {
    pointToLayer: function (feature, latlng) {
      return L.circleMarker(latlng, {
        radius: 8, color: "#1b1b1b", weight: 1, fillColor: feature.properties.colour, fillOpacity: 0.9
      });
    },
    onEachFeature: function (feature, marker) {
      var p = feature.properties;
      var box = document.createElement("div");
      var title = document.createElement("strong");
      title.textContent = p.name + " (" + p.kind + ")";
      box.appendChild(title);
      p.values.forEach(function (line) {
        var row = document.createElement("div");
        row.textContent = line;
        box.appendChild(row);
      });
      marker.bindPopup(box);
    }
  }).addTo(map);
  if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 15 }); }
};
