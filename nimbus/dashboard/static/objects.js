// Upload into the folder shown: the file goes to the dashboard, which streams it on to the
// object store, while the progress bar shows how much of it the browser has sent.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = document.getElementById("id_upload").files[0];
    if (!file) { status.textContent = "Choose a file first."; return; }
    var xhr = new XMLHttpRequest();
    xhr.open("PUT", form.dataset.upload + "?name=" +
             encodeURIComponent(form.dataset.prefix + file.name));
    xhr.setRequestHeader("X-CSRFToken", form.dataset.csrf);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    bar.hidden = false;
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        status.textContent = bar.value + "% sent";
      }
    };
    xhr.onload = function () {
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 100;
        status.textContent = "100% sent: uploaded.";
        window.location.reload();
      } else {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
        status.textContent = body.error || "The upload failed.";
      }
    };
    xhr.onerror = function () { status.textContent = "The upload was cut off."; };
    xhr.send(file);
  });
}());
