// The cockpit's live feed (实时动态, cockpit/templates/cockpit/_live.html): the latest items of
// the area from the recent-items API, then new ones pushed by the server (EventSource on
// /cockpit/live/). It follows the area the cockpit shows: cockpit.js sets #cockpit[data-area]
// on every drill-down, and the feed reconnects for the new area. Text nodes only.
(function () {
  "use strict";
  var panel = document.getElementById("cockpit-live");
  var root = document.getElementById("cockpit");
  if (!panel || !root) return;
  var list = document.getElementById("cockpit-live-items");
  var empty = document.getElementById("cockpit-live-empty");
  var stateEl = document.getElementById("cockpit-live-state");
  var emptyText = empty.textContent;
  var KEEP = 30;  // items kept on the page
  var LOST_AFTER_MS = 2000;  // a reconnect quicker than this is not shown as a loss
  var RETRY_CLOSED_MS = 10000;  // after a refused connection (the browser gives up)

  var source = null, code = null, seq = 0, shown = {}, lostTimer = null, retryTimer = null;

  function setState(name) {
    stateEl.dataset.state = name;
    stateEl.textContent = panel.dataset["state" + name.charAt(0).toUpperCase() + name.slice(1)];
  }

  function when(iso) {
    var d = iso ? new Date(iso) : null;
    if (!d || isNaN(d)) return "";
    var today = new Date().toDateString() === d.toDateString();
    return today
      ? d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false })
      : d.toLocaleString("zh-CN", { month: "numeric", day: "numeric", hour: "2-digit",
                                    minute: "2-digit", hour12: false });
  }

  function span(cls, text) {
    var el = document.createElement("span");
    el.className = cls;
    el.textContent = text || "";
    return el;
  }

  function render(item, fresh) {
    var li = document.createElement("li");
    li.className = "live-item kind-" + (item.kind === "escalated" ? "escalated" : "new") +
      " urgency-" + (item.urgency || "normal") + (fresh ? " fresh" : "");
    li.dataset.id = item.id;
    li.dataset.number = item.number || "";
    li.dataset.kind = item.kind || "";
    var a = document.createElement("a");
    a.href = item.url;
    a.appendChild(span("live-badge", item.action_label));
    a.appendChild(span("live-title", item.title));
    var meta = [item.category, item.place, item.urgency_label, item.status_label]
      .filter(function (s) { return !!s; }).join(" · ");
    a.appendChild(span("live-meta", meta));
    var time = document.createElement("time");
    time.className = "live-time";
    time.dateTime = item.at || "";
    time.textContent = when(item.at);
    a.appendChild(time);
    li.appendChild(a);
    return li;
  }

  function add(item, fresh) {
    if (!item || !item.id || shown[item.id]) return;
    shown[item.id] = true;
    var li = render(item, fresh);
    if (fresh) list.insertBefore(li, list.firstChild);
    else list.appendChild(li);  // the recent items come newest first
    while (list.children.length > KEEP) {
      delete shown[list.lastElementChild.dataset.id];
      list.removeChild(list.lastElementChild);
    }
    empty.hidden = list.children.length > 0;
  }

  function close() {
    if (source) { source.close(); source = null; }
    clearTimeout(lostTimer);
    clearTimeout(retryTimer);
  }

  function connect(area, after, mine) {
    var q = new URLSearchParams({ area: area });
    if (after) q.set("after", after);
    source = new EventSource(panel.dataset.streamUrl + "?" + q.toString());
    source.onopen = function () {
      if (mine !== seq) return;
      clearTimeout(lostTimer);
      lostTimer = null;
      setState("connected");
      panel.dataset.live = "open";
    };
    source.onmessage = function (ev) {
      if (mine !== seq) return;
      var item;
      try { item = JSON.parse(ev.data); } catch (e) { return; }
      item.id = item.id || ev.lastEventId;
      add(item, true);
      // cockpit.js reads the figures again
      root.dispatchEvent(new CustomEvent("cockpit:live-item", { detail: item }));
    };
    source.onerror = function () {
      if (mine !== seq) return;
      panel.dataset.live = "error";
      // The server ends each response after ~25 s and the browser reconnects at once
      // (resuming at Last-Event-ID): only a reconnect that takes a while is shown.
      if (!lostTimer) lostTimer = setTimeout(function () { setState("lost"); }, LOST_AFTER_MS);
      if (source.readyState === EventSource.CLOSED) {
        // Refused (not 200): the browser does not retry by itself; start again later.
        var cursor = list.firstElementChild ? list.firstElementChild.dataset.id : after;
        source = null;
        retryTimer = setTimeout(function () { if (mine === seq) connect(area, cursor, mine); },
                                RETRY_CLOSED_MS);
      }
    };
  }

  function follow(area) {
    if (!area || area === code) return;
    code = area;
    var mine = ++seq;
    close();
    setState("connecting");
    panel.dataset.area = area;
    panel.removeAttribute("data-live");
    list.replaceChildren();
    shown = {};
    empty.textContent = emptyText;
    empty.hidden = false;
    fetch(panel.dataset.recentUrl + "?area=" + encodeURIComponent(area), {
      credentials: "same-origin", headers: { Accept: "application/json" },
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (body) {
      if (mine !== seq) return;
      body.items.forEach(function (item) { add(item, false); });
      panel.dataset.loaded = area;
      connect(area, body.last_id, mine);
    }).catch(function () {
      if (mine !== seq) return;
      panel.dataset.loaded = "error";
      empty.textContent = panel.dataset.failed;
      connect(area, null, mine);  // the push may still work: from now on
    });
  }

  new MutationObserver(function () { follow(root.dataset.area); })
    .observe(root, { attributes: true, attributeFilter: ["data-area"] });
  window.addEventListener("pagehide", close);
  follow(root.dataset.area);
})();
