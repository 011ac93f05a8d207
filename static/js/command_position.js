// Position sharing on the field worker's phone pages: only while this page is open and
// the worker has turned it on (remembered on this device), at most once a minute; the
// state is always shown next to the switch.
(function () {
  "use strict";
  var box = document.getElementById("position-share");
  var toggle = document.getElementById("position-toggle");
  var status = document.getElementById("position-status");
  if (!box || !toggle || !status) return;
  var KEY = "gridgov.position-share";
  var LAST = "gridgov.position-last";
  var INTERVAL = 60000;
  var timer = null;
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");

  function show(text, on) {
    status.textContent = text;
    box.classList.toggle("on", !!on);
  }

  function store(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      /* private mode: the switch still works for this page */
    }
  }

  function lastSent() {
    try {
      return parseInt(window.localStorage.getItem(LAST) || "0", 10) || 0;
    } catch (e) {
      return 0;
    }
  }

  function send() {
    // Another page of this phone may have just sent one: the server takes one a minute.
    if (Date.now() - lastSent() < INTERVAL - 1000) return;
    store(LAST, String(Date.now()));
    if (!navigator.geolocation) {
      show(box.dataset.failed, true);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        fetch(box.dataset.url, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            "X-CSRFToken": tokenInput ? tokenInput.value : "",
          },
          body: JSON.stringify({
            lng: pos.coords.longitude,
            lat: pos.coords.latitude,
            accuracy: Math.max(1, Math.round(pos.coords.accuracy || 1)),
          }),
        }).then(function (r) {
          var t = new Date().toLocaleTimeString();
          show(box.dataset.on + (r.ok ? " · " + box.dataset.sent + " " + t : ""), true);
        });
      },
      function () {
        show(box.dataset.on + " · " + box.dataset.failed, true);
      },
      { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 }
    );
  }

  function start() {
    show(box.dataset.on, true);
    send();
    // Checked every 5 s; `send` itself keeps to one position a minute.
    timer = window.setInterval(send, 5000);
  }

  function stop() {
    if (timer) window.clearInterval(timer);
    timer = null;
    show(box.dataset.off, false);
  }

  toggle.addEventListener("change", function () {
    store(KEY, toggle.checked ? "1" : "0");
    if (toggle.checked) start();
    else stop();
  });
  var saved = null;
  try {
    saved = window.localStorage.getItem(KEY);
  } catch (e) {
    saved = null;
  }
  if (saved === "1") {
    toggle.checked = true;
    start();
  }
})();
