// The public map: GeoJSON tiles of open reports for the visible area (the list works without it).
(function () {
  "use strict";
  var el = document.getElementById("reports-map");
  if (!el || typeof L === "undefined") { return; }
  el.hidden = false;
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", el.dataset.label || "");
  var center = (el.dataset.center || "0,0").split(",").map(Number);
  var map = L.map(el).setView(center, Number(el.dataset.zoom || 13));
  var config = document.getElementById("civic-map-config");
  var tiles = config ? JSON.parse(config.textContent) : null;
  if (tiles && tiles.url) { L.tileLayer(tiles.url, { attribution: tiles.attribution || "" }).addTo(map); }
  // No "Leaflet" link squeezed in the corner (a 24 px target, WCAG 2.5.8); the library is
  // credited on the licences page. A tile server's own attribution, when set, stays.
  map.attributionControl.setPrefix(false);
  var template = el.dataset.tiles.replace("/0/0/0.geojson", "/{z}/{x}/{y}.geojson");
  var loaded = {};
  var layer = L.layerGroup().addTo(map);
  function tileUrl(z, x, y) { return template.replace("{z}", z).replace("{x}", x).replace("{y}", y); }
  function show(feature) {
    var ll = [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
    var p = feature.properties;
    if (p.cluster) {
      L.circleMarker(ll, { radius: 8 + Math.min(20, Math.sqrt(p.count)) })
        .bindTooltip(String(p.count), { permanent: true, direction: "center" }).addTo(layer);
    } else {
      var link = document.createElement("a");
      link.href = p.url;
      // Tiles carry the French and the English name: the page's language picks.
      var name = document.documentElement.lang.indexOf("en") === 0 ? p.category_en : p.category;
      link.textContent = (p.icon ? p.icon + " " : "") + "#" + p.id + " " + (name || p.category);
      // Pointer only: the list under the map gives keyboards (and everyone) the same links, and
      // pins near the map's edge would be targets too small or too close (WCAG 2.5.8).
      L.marker(ll, { alt: link.textContent, keyboard: false }).bindPopup(link).addTo(layer);
    }
  }
  function refresh() {
    var z = Math.max(12, Math.min(17, map.getZoom()));
    var bounds = map.getBounds();
    var n = Math.pow(2, z);
    function col(lon) { return Math.floor((lon + 180) / 360 * n); }
    function row(lat) {
      var r = lat * Math.PI / 180;
      return Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n);
    }
    layer.clearLayers();
    for (var x = col(bounds.getWest()); x <= col(bounds.getEast()); x++) {
      for (var y = row(bounds.getNorth()); y <= row(bounds.getSouth()); y++) {
        var url = tileUrl(z, x, y);
        var cached = loaded[url];
        if (cached) { cached.forEach(show); continue; }
        fetch(url).then(function (r) { return r.json(); }).then(function (u) {
          return function (data) { loaded[u] = data.features; data.features.forEach(show); };
        }(url));
      }
    }
  }
  map.on("moveend", refresh);
  refresh();
})();
