// Keeps the rows of a list whose resources are still changing (a server building, say) up to
// date without reloading the page: every few seconds it asks the panel's rows endpoint for
// those rows only, and stops once every row has settled.
(function () {
  "use strict";
  var table = document.querySelector("table[data-rows]");
  if (!table) { return; }
  var every = 3000;

  function watched() {
    return Array.prototype.map.call(table.querySelectorAll("tr[data-settling]"),
                                    function (row) { return row.dataset.id; });
  }

  function set(row, field, text) {
    var cell = row.querySelector('[data-field="' + field + '"]');
    if (cell) { cell.textContent = text; }
  }

  function apply(id, state) {
    var row = document.getElementById("row-" + id);
    if (!row) { return; }
    if (state.gone) { row.remove(); return; }
    set(row, "status", state.status);
    row.querySelector('[data-field="status"]').className =
      "status status-" + state.status.toLowerCase();
    set(row, "task", state.task || "None");
    set(row, "power", state.power);
    var cell = row.querySelector('[data-field="addresses"]');
    if (cell) {
      cell.textContent = "";
      state.addresses.forEach(function (address) {
        var line = document.createElement("div");
        line.textContent = address;
        cell.appendChild(line);
      });
    }
    if (!state.settling) { delete row.dataset.settling; }
  }

  function poll() {
    var ids = watched();
    if (!ids.length) { return; }
    fetch(table.dataset.rows + "?ids=" + encodeURIComponent(ids.join(",")),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (resp) { return resp.ok ? resp.json() : {}; })
      .then(function (states) {
        Object.keys(states).forEach(function (id) { apply(id, states[id]); });
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { setTimeout(poll, every); });
  }

  setTimeout(poll, every);
}());
