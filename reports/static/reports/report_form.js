// The report form with JavaScript: the chosen category's questions revealed under its radio and
// thumbnails of the photos chosen (the address search is address_search.js). Without it the form works in steps (see report_form.html).
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
