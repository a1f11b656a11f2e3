// Sends a file the way the dashboard's upload pages do: a PUT with the session's CSRF token in
// a header, the progress bar following what the browser has sent. Shared by the image and
// object uploads.
window.nimbusSend = function (url, file, token, bar, status, done, failed) {
  "use strict";
  var xhr = new XMLHttpRequest();
  xhr.open("PUT", url);
  xhr.setRequestHeader("X-CSRFToken", token);
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
      done();
      return;
    }
    var body = {};
    try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
    failed(body.error || "The upload failed.");
  };
  xhr.onerror = function () { failed("The upload was cut off."); };
  xhr.send(file);
};
