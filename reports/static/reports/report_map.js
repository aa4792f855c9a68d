// Progressive map: the page works without it (coordinates or address fields, static position).
(function () {
  "use strict";
  // The admin loads this script in <head>, before the map's element exists: wait for it.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  function draw() {
    var el = document.getElementById("report-map");
    if (!el || typeof L === "undefined") { return; }
    el.hidden = false;
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", el.dataset.label || "");
    var latInput = el.dataset.latInput && document.getElementById(el.dataset.latInput);
    var lonInput = el.dataset.lonInput && document.getElementById(el.dataset.lonInput);
    var center = (el.dataset.center || "0,0").split(",").map(Number);
    var start = el.dataset.lat ? [Number(el.dataset.lat), Number(el.dataset.lon)] : center;
    if (latInput && latInput.value && lonInput.value) {
      start = [Number(latInput.value.replace(",", ".")), Number(lonInput.value.replace(",", "."))];
    }
    var map = L.map(el).setView(start, 16);
    // The basemap: from the element (the admin's pages have no civic-map-config), else the page's.
    var config = document.getElementById("civic-map-config");
    var tiles = el.dataset.tileUrl ? { url: el.dataset.tileUrl, attribution: el.dataset.tileAttribution }
      : (config ? JSON.parse(config.textContent) : null);
    if (tiles && tiles.url) { L.tileLayer(tiles.url, { attribution: tiles.attribution || "" }).addTo(map); }
    // No "Leaflet" link squeezed in the corner (a 24 px target, WCAG 2.5.8); the library is
    // credited on the licences page. A tile server's own attribution, when set, stays.
    map.attributionControl.setPrefix(false);
    var marker = L.marker(start, { draggable: Boolean(latInput), keyboard: Boolean(latInput) }).addTo(map);
    if (!latInput) { return; }
    // "Near 12 rue …" under the map: the gazetteer's address closest to the pin.
    var near = document.getElementById("report-near");
    var asked = null;
    function nearest(latlng) {
      if (!near || !near.dataset.url) { return; }
      if (asked) { asked.abort(); }
      asked = new AbortController();
      var query = new URLSearchParams({ lat: latlng.lat.toFixed(6), lon: latlng.lng.toFixed(6) });
      fetch(near.dataset.url + "?" + query, { signal: asked.signal })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          near.textContent = body.result ? near.dataset.template.replace("{address}", body.result.label) : "";
        })
        .catch(function () { /* superseded by a newer pin, or offline */ });
    }
    function place(latlng) {
      marker.setLatLng(latlng);
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
      nearest(latlng);
    }
    marker.on("dragend", function () { place(marker.getLatLng()); });
    // Typed coordinates move the pin too.
    function typed() {
      var lat = Number(latInput.value.replace(",", "."));
      var lon = Number(lonInput.value.replace(",", "."));
      if (latInput.value && lonInput.value && isFinite(lat) && isFinite(lon)) {
        marker.setLatLng([lat, lon]);
        map.panTo([lat, lon]);
        nearest(L.latLng(lat, lon));
      }
    }
    latInput.addEventListener("change", typed);
    lonInput.addEventListener("change", typed);
    map.on("click", function (event) { place(event.latlng); });
    var locate = document.getElementById("report-locate");
    if (locate && navigator.geolocation) {
      locate.parentNode.hidden = false;
      locate.addEventListener("click", function () {
        var status = document.getElementById("report-locate-status");
        if (status) { status.textContent = ""; }
        navigator.geolocation.getCurrentPosition(function (pos) {
          var latlng = L.latLng(pos.coords.latitude, pos.coords.longitude);
          place(latlng);
          map.setView(latlng, 17);
        }, function () {
          if (status) { status.textContent = locate.dataset.error || ""; }
        }, { enableHighAccuracy: true, timeout: 15000 });
      });
    }
  }
})();
