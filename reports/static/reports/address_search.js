// Address search with JavaScript: suggestions from the city's own gazetteer as one types
// (accessible-autocomplete); choosing one fills the point's coordinates, which a map on the page
// follows. Without JavaScript, the "Find this address" button lists the addresses on a step.
(function () {
  "use strict";
  var search = document.getElementById("address-search");
  var original = search && search.querySelector("input[name=address]");
  if (search && original && typeof accessibleAutocomplete === "function") {
    var data = search.dataset;
    var holder = document.createElement("div");
    holder.className = "address-search__autocomplete";
    original.parentNode.insertBefore(holder, original);
    var describedBy = original.getAttribute("aria-describedby");
    var value = original.value;
    original.parentNode.removeChild(original);
    var find = document.getElementById("find-address");
    if (find) { find.hidden = true; }
    var pending = null;
    accessibleAutocomplete({
      element: holder,
      id: original.id,
      name: "address",
      defaultValue: value,
      minLength: 3,
      confirmOnBlur: false,
      showNoOptionsFound: true,
      displayMenu: "overlay",
      source: function (query, populate) {
        if (pending) { pending.abort(); }
        pending = new AbortController();
        fetch(data.url + "?" + new URLSearchParams({ q: query }), { signal: pending.signal })
          .then(function (response) { return response.json(); })
          .then(function (body) { populate(body.results || []); })
          .catch(function () { /* aborted by the next keystroke, or offline: no suggestions */ });
      },
      templates: {
        inputValue: function (hit) { return hit ? (typeof hit === "string" ? hit : hit.label) : ""; },
        suggestion: function (hit) { return typeof hit === "string" ? hit : hit.label; }
      },
      onConfirm: function (hit) {
        if (!hit || typeof hit === "string") { return; }
        var lat = document.getElementById(data.latInput);
        var lon = document.getElementById(data.lonInput);
        if (!lat || !lon) { return; }
        lat.value = Number(hit.lat).toFixed(6);
        lon.value = Number(hit.lon).toFixed(6);
        // The map (report_map.js) follows typed coordinates: the pin moves to the address.
        lon.dispatchEvent(new Event("change", { bubbles: true }));
      },
      tNoResults: function () { return data.noResults; },
      tStatusQueryTooShort: function () { return data.tooShort; },
      tStatusNoResults: function () { return data.noResults; },
      tStatusSelectedOption: function (option, length, index) {
        return data.selected.replace("{option}", option).replace("{index}", String(index + 1)).replace("{n}", String(length));
      },
      tStatusResults: function (length) {
        return length === 1 ? data.oneResult : data.results.replace("{n}", String(length));
      },
      tAssistiveHint: function () { return data.hint; }
    });
    var input = document.getElementById(original.id);
    if (input) {
      input.classList.add("govuk-input");
      if (describedBy) {
        var own = input.getAttribute("aria-describedby");
        input.setAttribute("aria-describedby", (own ? own + " " : "") + describedBy);
      }
    }
  }

})();
