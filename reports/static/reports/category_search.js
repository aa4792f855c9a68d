// Category search: with JavaScript, a search box above the grouped select hides the options whose
// name (in the page's language, as shown) or group does not match. Without it, the select alone.
// Hidden, not disabled: a chosen option that no longer matches must still be sent.
(function () {
  "use strict";
  var box = document.getElementById("category-search");
  var input = document.getElementById("category-search-input");
  var select = input && document.getElementById(input.dataset.select);
  var status = document.getElementById("category-search-status");
  if (!box || !select) { return; }
  box.hidden = false;

  // "Éclairage" matches "eclairage": case and accents are ignored.
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function filter() {
    var query = fold(input.value);
    var shown = 0;
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var groupMatches = query !== "" && fold(group.label).indexOf(query) !== -1;
      var visible = 0;
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        var match = query === "" || groupMatches || fold(option.text).indexOf(query) !== -1;
        option.hidden = !match;
        if (match) { visible += 1; }
      });
      group.hidden = visible === 0;
      shown += visible;
    });
    if (query === "") {
      status.textContent = "";
    } else if (shown === 0) {
      status.textContent = status.dataset.none;
    } else if (shown === 1) {
      status.textContent = status.dataset.one;
      var only = select.querySelector("optgroup option:not([hidden])");
      if (only) { only.selected = true; select.dispatchEvent(new Event("change", { bubbles: true })); }
    } else {
      status.textContent = status.dataset.many.replace("{n}", String(shown));
    }
  }

  input.addEventListener("input", filter);
  // Enter in the search box moves to the list instead of sending the report.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); select.focus(); }
  });
})();
