// On pages for the signed-out (the login page a session expiry leads to): what a grid
// worker's phone kept for the session goes with it — the sealing key and the kept lists
// and outlines. Queued items stay, sealed, to be sent after the next sign-in (the same
// worker gets the same key back); logout wipes them too (static/js/outbox.js).
(function () {
  "use strict";
  try { sessionStorage.removeItem("gridgov-offline-key"); } catch (e) { return; }
  if (!window.indexedDB || !indexedDB.databases) return;
  indexedDB.databases().then(function (dbs) {
    if (!dbs.some(function (d) { return d.name === "gridgov-offline"; })) return;
    var req = indexedDB.open("gridgov-offline");
    req.onsuccess = function () {
      var db = req.result;
      if (db.objectStoreNames.contains("store")) {
        var t = db.transaction("store", "readwrite");
        t.objectStore("store").clear();
        t.oncomplete = function () { db.close(); };
      } else {
        db.close();
      }
    };
  }).catch(function () {});
})();
