// Kiosk idle guard: warn after a while without input, then clear the session (the same form as
// the "Finish and clear" button). Activity also pings the server so its own idle timer, the one
// that works without JavaScript, does not end a session someone is still using.
(function () {
  "use strict";
  var bar = document.getElementById("kiosk-bar");
  var dialog = document.getElementById("kiosk-idle");
  var form = document.getElementById("kiosk-finish-form");
  if (!bar || !dialog || !form) return;
  var warnAfter = Number(bar.dataset.warnAfter) * 1000;
  var clearAfter = Number(bar.dataset.clearAfter) * 1000;
  var pingUrl = bar.dataset.pingUrl;
  var countdown = dialog.querySelector("[data-countdown]");
  var last = Date.now();
  var lastPing = Date.now();
  var warned = false;
  var clearing = false;

  function activity() {
    if (warned) return; // only "I am still here" answers the warning
    last = Date.now();
    if (last - lastPing > 60000) {
      lastPing = last;
      fetch(pingUrl, { credentials: "same-origin", cache: "no-store" }).catch(function () {});
    }
  }
  ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (name) {
    document.addEventListener(name, activity, { passive: true, capture: true });
  });
  dialog.querySelector("[data-continue]").addEventListener("click", function () {
    warned = false;
    lastPing = 0;
    activity();
    dialog.close();
  });
  window.setInterval(function () {
    var idle = Date.now() - last;
    if (idle >= clearAfter && !clearing) {
      clearing = true;
      form.submit();
      return;
    }
    if (idle >= warnAfter) {
      if (!warned) {
        warned = true;
        if (typeof dialog.showModal === "function") dialog.showModal();
        else dialog.setAttribute("open", "");
      }
      countdown.textContent = String(Math.max(0, Math.ceil((clearAfter - idle) / 1000)));
    }
  }, 1000);
})();
