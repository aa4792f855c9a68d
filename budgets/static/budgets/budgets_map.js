// Progressive maps for budgets: the pages work without them (coordinates typed, the list).
// Two kinds: a form's pin (data-lat-input/data-lon-input), or pins listed in a JSON script
// (data-pins), each linking to its project.
(function () {
  "use strict";
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  function draw() {
    var el = document.getElementById("budgets-map");
    if (!el || typeof L === "undefined") { return; }
    el.hidden = false;
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", el.dataset.label || "");
    var center = (el.dataset.center || "0,0").split(",").map(Number);
    var map = L.map(el).setView(center, 13);
    var config = document.getElementById("civic-map-config");
    var tiles = config ? JSON.parse(config.textContent) : null;
    if (tiles && tiles.url) { L.tileLayer(tiles.url, { attribution: tiles.attribution || "" }).addTo(map); }
    map.attributionControl.setPrefix(false);
    if (el.dataset.pins) {
      var pins = JSON.parse(document.getElementById(el.dataset.pins).textContent);
      var bounds = [];
      pins.forEach(function (pin) {
        // Pins for the pointer only: the list below gives keyboards the same links.
        var marker = L.marker([pin.lat, pin.lon], { keyboard: false, title: pin.title }).addTo(map);
        marker.on("click", function () { window.location.href = pin.url; });
        bounds.push([pin.lat, pin.lon]);
      });
      if (bounds.length) { map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] }); }
      return;
    }
    var latInput = document.getElementById(el.dataset.latInput);
    var lonInput = document.getElementById(el.dataset.lonInput);
    if (!latInput || !lonInput) { return; }
    var start = center;
    if (latInput.value && lonInput.value) {
      start = [Number(latInput.value.replace(",", ".")), Number(lonInput.value.replace(",", "."))];
      map.setView(start, 16);
    }
    var marker = L.marker(start, { draggable: true }).addTo(map);
    function place(latlng) {
      marker.setLatLng(latlng);
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
    }
    marker.on("dragend", function () { place(marker.getLatLng()); });
    map.on("click", function (event) { place(event.latlng); });
    function typed() {
      var lat = Number(latInput.value.replace(",", "."));
      var lon = Number(lonInput.value.replace(",", "."));
      if (latInput.value && lonInput.value && isFinite(lat) && isFinite(lon)) {
        marker.setLatLng([lat, lon]);
        map.panTo([lat, lon]);
      }
    }
    latInput.addEventListener("change", typed);
    lonInput.addEventListener("change", typed);
  }
})();
