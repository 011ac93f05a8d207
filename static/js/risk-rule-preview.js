// 预警规则 live preview: reads the form, asks POST /api/v1/warning-rules/preview/ and
// shows the counts per colour and ten examples (text only, never HTML). The colour labels
// and the failure message come translated from the section's data-* attributes.
(function () {
  "use strict";
  var form = document.getElementById("rule-form");
  var button = document.getElementById("preview-button");
  var section = document.getElementById("rule-preview");
  if (!form || !button || !section) return;
  var COLOURS = ["red", "orange", "yellow", "blue", "green"];
  var LABELS = {};
  COLOURS.forEach(function (k) {
    LABELS[k] = section.getAttribute("data-label-" + k) || k;
  });

  function body() {
    var data = new FormData(form);
    var factors;
    try { factors = JSON.parse(data.get("factors") || "[]"); } catch (e) { factors = null; }
    var thresholds = {}, limits = {};
    COLOURS.forEach(function (k) {
      thresholds[k] = data.get("t_" + k);
      limits[k] = data.get("h_" + k);
    });
    return {
      subject_kind: data.get("subject_kind"),
      definition: {
        factors: factors, thresholds: thresholds, time_limits: limits,
        unit_level: data.get("unit_level"),
        valid_from: data.get("valid_from") || null, valid_to: data.get("valid_to") || null,
      },
    };
  }

  function show(result) {
    var counts = document.getElementById("preview-counts");
    var list = document.getElementById("preview-examples");
    var error = document.getElementById("preview-error");
    section.hidden = false;
    error.textContent = "";
    counts.textContent = "";
    list.textContent = "";
    if (result.detail) { error.textContent = result.detail; return; }
    COLOURS.forEach(function (k) {
      var span = document.createElement("span");
      span.className = "risk-colour risk-" + k;
      span.dataset.colour = k;
      span.textContent = LABELS[k] + " " + result.counts[k];
      counts.appendChild(span);
      counts.appendChild(document.createTextNode(" "));
    });
    result.examples.forEach(function (ex) {
      var li = document.createElement("li");
      li.textContent = ex.label + " · " + ex.score + " · " + LABELS[ex.colour];
      list.appendChild(li);
    });
  }

  button.addEventListener("click", function () {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    fetch("/api/v1/warning-rules/preview/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body()),
    }).then(function (r) { return r.json(); }).then(show, function () {
      show({ detail: section.getAttribute("data-failed") });
    });
  });
})();
