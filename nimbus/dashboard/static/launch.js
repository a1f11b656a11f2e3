// Launch Instance: when the count changes, the flavors that no longer fit what is left of the
// project's quota (instances, VCPUs, RAM, for that many servers) are disabled and say so, as
// the server checked them for the count the page was drawn with.
(function () {
  "use strict";
  var form = document.getElementById("launch-form");
  if (!form) { return; }
  var count = document.getElementById("id_count");
  function room(name) {
    var value = form.dataset["room" + name];
    return value === "" || value === undefined ? Infinity : Number(value);
  }
  function refit() {
    var n = Math.max(1, Number(count.value) || 1);
    Array.prototype.forEach.call(form.querySelectorAll("input[name=flavor]"), function (radio) {
      var fits = n <= room("Instances") && n * Number(radio.dataset.vcpus) <= room("Cores") &&
                 n * Number(radio.dataset.ram) <= room("Ram");
      radio.disabled = !fits;
      if (!fits) { radio.checked = false; }
      radio.parentNode.classList.toggle("unfit", !fits);
      var note = radio.parentNode.querySelector(".fit-note");
      if (note) { note.textContent = fits ? "" : " (exceeds the quota left)"; }
    });
  }
  count.addEventListener("input", refit);
}());
