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
    var url = form.dataset.upload + "?name=" + encodeURIComponent(form.dataset.prefix + file.name);
    window.nimbusSend(url, file, form.dataset.csrf, bar, status, function () {
      status.textContent = "100% sent: uploaded.";
      window.location.reload();
    }, function (message) { status.textContent = message; });
  });
}());
