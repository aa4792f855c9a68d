// The staff queue on a map: one pin per report of the filtered list (the list works without it).
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("queue-map");
    if (!el || typeof L === "undefined") { return; }
    var config = JSON.parse(document.getElementById("queue-map-config").textContent);
    var pins = JSON.parse(document.getElementById("queue-map-pins").textContent);
    el.hidden = false;
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", el.dataset.label || "");
    var map = L.map(el).setView(config.center, 13);
    if (config.url) { L.tileLayer(config.url, { attribution: config.attribution || "" }).addTo(map); }
    map.attributionControl.setPrefix(false);
    var bounds = [];
    pins.forEach(function (pin) {
      var link = document.createElement("a");
      link.href = pin.url;
      link.textContent = pin.label;
      // Pointer only: the list under the map gives keyboards the same links.
      L.marker([pin.lat, pin.lon], { alt: pin.label, keyboard: false }).bindPopup(link).addTo(map);
      bounds.push([pin.lat, pin.lon]);
    });
    if (bounds.length > 1) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 }); }
    else if (bounds.length === 1) { map.setView(bounds[0], 16); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); }
  else { draw(); }
})();
