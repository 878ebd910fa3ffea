// Archive export page: polls the job's JSON status and updates the progress bar until done.
(function () {
  "use strict";
  var box = document.getElementById("archive-job");
  if (!box) { return; }
  var labels = { en_attente: "En attente", en_cours: "En cours", termine: "Terminé", echec: "Échec" };
  function update(state) {
    document.getElementById("archive-progress").value = state.percent;
    document.getElementById("archive-percent").textContent = state.percent + " %";
    var text = labels[state.status] || state.status;
    if (state.total) { text += " — " + state.done + " / " + state.total; }
    document.getElementById("archive-state").textContent = text;
    if (state.download) { document.getElementById("archive-download").hidden = false; }
    if (state.status === "echec") { window.location.reload(); }
    return state.status === "en_attente" || state.status === "en_cours";
  }
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) { if (update(state)) { window.setTimeout(poll, 1000); } })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
}());
