// Registers the service worker that keeps the grid worker's pages for use without
// signal (docs/offline.md). Included by base.html for grid workers only; the worker's
// URL comes from this script tag's data-sw (no inline script under the CSP).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(script.dataset.sw, { scope: "/" }).catch(function () {
    // Without a worker the pages work as before, online only.
  });
})();
