// Position sharing of field staff (command/): only while a page of the platform is open
// and the worker has turned it on (the switch on 我的指令, remembered on this device), at
// most once a minute across pages. The state is always visible: next to the switch, and
// as 位置共享中 in the top bar of every other page while it is on.
(function () {
  "use strict";
  var box = document.getElementById("position-share");
  var toggle = document.getElementById("position-toggle");
  var status = document.getElementById("position-status");
  var indicator = document.getElementById("position-indicator");
  var cfg = box || indicator;
  if (!cfg) return;
  var KEY = "gridgov.position-share";
  var LAST = "gridgov.position-last";
  var INTERVAL = 60000;
  var timer = null;
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");

  function store(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      /* private mode: the switch still works for this page */
    }
  }

  function read(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function show(text, on) {
    if (status) status.textContent = text;
    if (box) box.classList.toggle("on", !!on);
    if (indicator) indicator.hidden = !on;
  }

  function send() {
    // Another page of this phone may have just sent one: the server takes one a minute.
    if (Date.now() - (parseInt(read(LAST) || "0", 10) || 0) < INTERVAL - 1000) return;
    store(LAST, String(Date.now()));
    if (!navigator.geolocation) {
      show(cfg.dataset.on + " · " + cfg.dataset.failed, true);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        fetch(cfg.dataset.url, {
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
          show(cfg.dataset.on + (r.ok ? " · " + cfg.dataset.sent + " " + t : ""), true);
        });
      },
      function () {
        show(cfg.dataset.on + " · " + cfg.dataset.failed, true);
      },
      { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 }
    );
  }

  function start() {
    show(cfg.dataset.on, true);
    send();
    // Checked every 5 s; `send` itself keeps to one position a minute.
    timer = window.setInterval(send, 5000);
  }

  function stop() {
    if (timer) window.clearInterval(timer);
    timer = null;
    show(cfg.dataset.off, false);
  }

  if (toggle) {
    toggle.addEventListener("change", function () {
      store(KEY, toggle.checked ? "1" : "0");
      if (toggle.checked) start();
      else stop();
    });
  }
  if (read(KEY) === "1") {
    if (toggle) toggle.checked = true;
    start();
  }
})();
