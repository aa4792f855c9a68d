// Category search: with JavaScript, a search box above the grouped radios hides the choices
// whose name (in the page's language, as shown), description or group does not match. Without
// it, the radios alone. Hidden, not disabled: a chosen category that no longer matches is still
// sent.
(function () {
  "use strict";
  var box = document.getElementById("category-search");
  var input = document.getElementById("category-search-input");
  var choices = input && document.getElementById(input.dataset.choices);
  var status = document.getElementById("category-search-status");
  if (!box || !choices) { return; }
  box.hidden = false;

  // "Éclairage" matches "eclairage": case and accents are ignored.
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function visibleRadios() {
    return Array.prototype.filter.call(
      choices.querySelectorAll(".category-choice:not([hidden]) input[type=radio]"),
      function (radio) { return !radio.closest(".category-group").hidden; }
    );
  }

  function filter() {
    var query = fold(input.value);
    var shown = 0;
    Array.prototype.forEach.call(choices.querySelectorAll(".category-group"), function (group) {
      var legend = group.querySelector("legend");
      var groupMatches = query !== "" && fold(legend ? legend.textContent : "").indexOf(query) !== -1;
      var visible = 0;
      Array.prototype.forEach.call(group.querySelectorAll(".category-choice"), function (choice) {
        var label = choice.querySelector("label");
        var description = choice.querySelector(".category-choice__description");
        var text = (label ? label.textContent : "") + " " + (description ? description.textContent : "");
        var match = query === "" || groupMatches || fold(text).indexOf(query) !== -1;
        choice.hidden = !match;
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
      var only = visibleRadios()[0];
      if (only && !only.checked) {
        only.checked = true;
        only.dispatchEvent(new Event("change", { bubbles: true }));
      }
    } else {
      status.textContent = status.dataset.many.replace("{n}", String(shown));
    }
  }

  input.addEventListener("input", filter);
  // Enter in the search box moves to the choices instead of sending the report.
  input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    var radios = visibleRadios();
    var target = radios.filter(function (radio) { return radio.checked; })[0] || radios[0];
    if (target) { target.focus(); }
  });
})();
