// The kiosk's camera for a form field that takes photos (input[type=file][data-kiosk-camera],
// hidden: the terminal's disk is never offered). When the terminal has a camera, the person turns
// it on, takes a photo, and the JPEG is put in the field as if chosen; without one, nothing is
// shown and the form is sent without a photo.
(function () {
  "use strict";
  var input = document.querySelector("input[type=file][data-kiosk-camera]");
  var template = document.getElementById("kiosk-camera-template");
  if (!input || !template || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia ||
      typeof DataTransfer !== "function") return;

  function build() {
    var ui = template.content.firstElementChild.cloneNode(true);
    input.parentNode.insertBefore(ui, input);
    var video = ui.querySelector("[data-video]");
    var preview = ui.querySelector("[data-preview]");
    var start = ui.querySelector("[data-start]");
    var take = ui.querySelector("[data-take]");
    var remove = ui.querySelector("[data-remove]");
    var status = ui.querySelector("[data-status]");
    var stream = null;

    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.srcObject = null;
      video.hidden = true;
    }
    function setFiles(file) {
      var transfer = new DataTransfer();
      if (file) transfer.items.add(file);
      input.files = transfer.files;
    }
    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 } }, audio: false }).then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        preview.hidden = true;
        return video.play();
      }).then(function () {
        // "Take the photo" only once a frame is there: before it the video has no size.
        if (video.videoWidth) return null;
        return new Promise(function (resolve) {
          video.addEventListener("loadeddata", resolve, { once: true });
        });
      }).then(function () {
        start.hidden = true;
        take.hidden = false;
        take.focus();
      }).catch(function () {
        stop();
        status.textContent = status.dataset.failed;
      });
    });
    take.addEventListener("click", function () {
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      preview.src = canvas.toDataURL("image/jpeg", 0.8);
      canvas.toBlob(function (blob) {
        if (!blob) {
          status.textContent = status.dataset.failed;
          return;
        }
        setFiles(new File([blob], "kiosk-photo.jpg", { type: "image/jpeg" }));
        stop();
        preview.hidden = false;
        take.hidden = true;
        remove.hidden = false;
        start.hidden = false;
        status.textContent = status.dataset.taken;
      }, "image/jpeg", 0.9);
    });
    remove.addEventListener("click", function () {
      setFiles(null);
      preview.hidden = true;
      preview.removeAttribute("src");
      remove.hidden = true;
      status.textContent = "";
    });
    window.addEventListener("pagehide", stop);
  }

  navigator.mediaDevices.enumerateDevices().then(function (devices) {
    if (devices.some(function (device) { return device.kind === "videoinput"; })) build();
  }).catch(function () {});
})();
