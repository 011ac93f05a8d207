// Poll an import job while it is being checked or written, then reload to show the result.
(function () {
  "use strict";
  var el = document.getElementById("import-job");
  if (!el || ["pending", "validating", "applying"].indexOf(el.dataset.status) < 0) return;
  var timer = setInterval(function () {
    fetch(el.dataset.url, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (job) {
        document.getElementById("job-progress").value = job.progress;
        document.getElementById("job-percent").textContent = job.progress + "%";
        if (job.status !== el.dataset.status) { clearInterval(timer); window.location.reload(); }
      });
  }, 1500);
})();
