// The report form with JavaScript: the chosen category's questions revealed under its radio,
// addresses suggested as one types (accessible-autocomplete, from the app's own gazetteer), and
// thumbnails of the photos chosen. Without it the form works in steps (see report_form.html).
(function () {
  "use strict";
  var form = document.querySelector("form.report-form");
  if (!form) { return; }

  // --- Questions: a conditional reveal per category (GOV.UK radios, initialised after this). ---
  var blocks = form.querySelectorAll(".report-questions");
  function sync() {
    Array.prototype.forEach.call(blocks, function (block) {
      var radio = form.querySelector("input[type=radio][data-aria-controls='" + block.id + "'], input[type=radio][aria-controls='" + block.id + "']");
      var chosen = Boolean(radio && radio.checked);
      // Only the chosen category's answers are sent: the others' inputs are disabled.
      Array.prototype.forEach.call(block.querySelectorAll("input, select, textarea"), function (input) {
        input.disabled = !chosen;
      });
    });
  }
  Array.prototype.forEach.call(blocks, function (block) {
    var radio = form.querySelector("input[type=radio][data-aria-controls='" + block.id + "']");
    block.hidden = false;
    if (!radio || !radio.checked) { block.classList.add("govuk-radios__conditional--hidden"); }
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "category") { sync(); }
  });
  sync();

  // --- Address search: suggestions as one types; choosing one puts the pin there. ---
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
        var lat = document.getElementById("id_lat");
        var lon = document.getElementById("id_lon");
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

  // --- Photo previews: thumbnails of the files chosen, made in the browser, sent nowhere. ---
  var photos = form.querySelector("input[type=file][name=photos]");
  var previews = document.getElementById("photo-previews");
  var urls = [];
  if (photos && previews && window.URL && URL.createObjectURL) {
    photos.addEventListener("change", function () {
      urls.forEach(function (url) { URL.revokeObjectURL(url); });
      urls = [];
      previews.textContent = "";
      Array.prototype.forEach.call(photos.files || [], function (file) {
        if (!/^image\//.test(file.type)) { return; }
        var url = URL.createObjectURL(file);
        urls.push(url);
        var item = document.createElement("li");
        item.className = "photo-previews__item";
        var image = document.createElement("img");
        image.src = url;
        image.alt = previews.dataset.alt.replace("{name}", file.name);
        image.className = "photo-previews__image";
        var name = document.createElement("span");
        name.className = "govuk-body-s photo-previews__name";
        name.textContent = file.name;
        item.appendChild(image);
        item.appendChild(name);
        previews.appendChild(item);
      });
      previews.hidden = urls.length === 0;
    });
  }
})();
