// Keeps the topology picture current: every few seconds the dashboard draws it again (the
// server makes the SVG, escaping every name) and the new picture takes the old one's place.
(function () {
  "use strict";
  var holder = document.getElementById("topology");
  if (!holder) { return; }
  function refresh() {
    fetch(holder.dataset.refresh, {credentials: "same-origin"})
      .then(function (resp) { return resp.ok ? resp.text() : null; })
      .then(function (svg) {
        if (svg === null) { return; }
        var doc = new DOMParser().parseFromString(svg, "image/svg+xml");
        var fresh = doc.documentElement;
        if (fresh && fresh.nodeName === "svg") {
          holder.replaceChildren(document.importNode(fresh, true));
        }
      })
      .catch(function () { /* tried again next time */ })
      .then(function () { setTimeout(refresh, 4000); });
  }
  setTimeout(refresh, 4000);
}());
