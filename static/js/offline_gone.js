// On pages of anyone the offline app is not for (static/js/outbox.js is). Signed out —
// the login page a session expiry leads to —: the sealing key and the kept lists and
// outlines go with the session (the lists were sealed under the session's key, which the
// server dropped with it); queued items stay, sealed, to be sent after the next sign-in
// (the same worker gets the same outbox key back, unless the password or the grid roles
// changed meanwhile — then they cannot be read, by design). Signed in without the grid worker
// role (revoked): everything the phone kept of that work is wiped, queue included.
(function () {
  "use strict";
  var script = document.currentScript;
  var everything = script && script.dataset.all === "1";
  try { sessionStorage.removeItem("gridgov-offline-key"); } catch (e) { return; }
  if (everything && window.caches) {
    caches.keys().then(function (keys) {
      keys.filter(function (k) { return k.indexOf("gridgov-") === 0; })
        .forEach(function (k) { caches.delete(k); });
    });
  }
  if (!window.indexedDB || !indexedDB.databases) return;
  indexedDB.databases().then(function (dbs) {
    if (!dbs.some(function (d) { return d.name === "gridgov-offline"; })) return;
    if (everything) {
      indexedDB.deleteDatabase("gridgov-offline");
      return;
    }
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
