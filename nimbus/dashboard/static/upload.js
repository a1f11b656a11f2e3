// Create Image with a file: the form's fields make the image record first, then the file is
// sent to the dashboard, which streams it to the image service, while the progress bar shows
// how much of it the browser has sent. A URL source needs no script (the form posts as is).
(function () {
  "use strict";
  var form = document.getElementById("image-form");
  if (!form) { return; }
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");

  function showErrors(errors) {
    Array.prototype.forEach.call(form.parentNode.querySelectorAll(".field-error"), function (el) {
      el.hidden = true; el.textContent = "";
    });
    Object.keys(errors).forEach(function (name) {
      var el = document.getElementById("error-" + name) || document.getElementById("error-_");
      el.textContent = errors[name];
      el.hidden = false;
    });
  }

  form.addEventListener("submit", function (event) {
    var file = document.getElementById("id_file").files[0];
    if (form.elements.source.value !== "file") { return; }
    event.preventDefault();
    if (!file) { showErrors({source: "Image File: choose a file to upload."}); return; }
    var token = form.elements.csrfmiddlewaretoken.value;
    fetch(form.action, {method: "POST", credentials: "same-origin",
                        headers: {"Accept": "application/json",
                                  "Content-Type": "application/x-www-form-urlencoded"},
                        body: new URLSearchParams(new FormData(form)).toString()})
      .then(function (resp) { return resp.json().then(function (body) { return [resp, body]; }); })
      .then(function (pair) {
        if (!pair[0].ok) { showErrors(pair[1].errors || {_: "The image was not created."}); return; }
        window.nimbusSend(pair[1].upload, file, token, bar, status, function () {
          status.textContent = "100% sent: the image is saved.";
          // A moment to see it done, then the list with the new image.
          setTimeout(function () { window.location.assign(form.dataset.done); }, 800);
        }, function (message) { showErrors({_: message}); });
      })
      .catch(function () { showErrors({_: "The dashboard did not answer."}); });
  });
}());
