// "Use my location" on the report page: the browser's position fills the form and sends it.
// Without JavaScript (or without permission) the passenger types a place, or skips it.
(function () {
  "use strict";
  var form = document.querySelector("[data-density-locate]");
  if (!form || !("geolocation" in navigator)) return;
  var auto = form.querySelector(".density-locate__auto");
  var button = form.querySelector("[data-density-locate-button]");
  auto.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(5);
        form.elements.lon.value = position.coords.longitude.toFixed(5);
        form.submit();
      },
      function () {
        button.disabled = false;
        form.elements.lat.focus();
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 }
    );
  });
})();
