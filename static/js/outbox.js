// The phone side of field work without signal (issue 17, docs/offline.md).
//
// - Outbox (IndexedDB "gridgov-offline", store "outbox"): a phone form (data-outbox) saved
//   without network is kept on the phone — its fields and its photos (resized to a
//   longest side of 1600 px) — with an Idempotency-Key made when it was saved; sent in
//   order when the network returns or on demand; a refusal keeps the item with the
//   server's message for correction; a stale change (409) offers both versions to choose
//   field by field. Nothing is dropped without the worker's say.
// - Encryption: everything personal in IndexedDB is sealed with AES-GCM under keys the
//   server hands to the signed-in worker (offline key endpoint), kept only in this tab's
//   sessionStorage and imported non-extractable: the outbox under the worker's key (the
//   same after signing in again; new after a password reset or a role change), the kept
//   lists under the session's key (gone with the session). Logout wipes the phone's store.
// - Offline pages: the service worker keeps the pages without their lists of people and
//   houses (the "shell"); offline, those lists are drawn here from the sealed store.
// - Offline locate: the worker's grids and their neighbours (GeoJSON) are kept; the grid a
//   point falls in is found here by ray casting.
// Included by base.html for grid workers after offline.js; no inline script (CSP).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.indexedDB || !window.crypto || !crypto.subtle) return;
  var CONF = script.dataset;
  var DB_NAME = "gridgov-offline";
  var KEY_SLOT = "gridgov-offline-key";
  var LABELS = {
    house: "登记房屋", house_edit: "修改房屋", person: "登记人口", person_edit: "修改人口",
    visit: "记录走访", tag: "人员标签", verification: "核准", event: "上报事件",
  };
  var STATES = {
    pending: "待同步", done: "已同步", refused: "被退回,待修改", conflict: "有冲突,待选择",
    unreadable: "无法读取",
  };
  var UNREADABLE = "保存此条时的本机密钥已失效(密码已重置或网格员角色有变更),此条无法读取和发送。请放弃此条并重新录入。";
  // Where a sent item's record is shown.
  var RECORD = {
    house: function (r) { return "/collection/houses/" + r.id + "/"; },
    house_edit: function (r) { return "/collection/houses/" + r.id + "/"; },
    person: function (r) { return r.id ? "/collection/people/" + r.id + "/" : "/collection/transfers/"; },
    person_edit: function (r) { return "/collection/people/" + r.id + "/"; },
    event: function (r) { return "/events/" + r.number + "/"; },
  };
  var FIELDS = {
    name: "姓名", address: "地址", use: "用途", owner_name: "产权人", residence_address: "居住地址",
    household_address: "户籍地址", phone: "联系电话", relation: "与户主关系", kind: "人员类型",
    ethnicity: "民族", doc_type: "证件类型", id_number: "证件号码", lng: "经度", lat: "纬度",
    gender: "性别", birth_date: "出生日期", extra: "扩展信息",
  };

  // ---- IndexedDB -----------------------------------------------------------------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          req.result.createObjectStore("outbox", { keyPath: "id", autoIncrement: true });
          req.result.createObjectStore("store", { keyPath: "name" });
        };
        req.onsuccess = function () {
          req.result.onversionchange = function () { req.result.close(); dbPromise = null; };
          resolve(req.result);
        };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  function run(storeName, mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(storeName, mode);
        var result = fn(t.objectStore(storeName));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }
  function all(storeName) {
    return run(storeName, "readonly", function (s) { return s.getAll(); });
  }
  function get(storeName, id) {
    return run(storeName, "readonly", function (s) { return s.get(id); });
  }
  function put(storeName, value) {
    return run(storeName, "readwrite", function (s) { return s.put(value); });
  }
  function del(storeName, id) {
    return run(storeName, "readwrite", function (s) { s.delete(id); });
  }
  function wipeAll() {
    sessionStorage.removeItem(KEY_SLOT);
    keyPromise = null;
    var closing = dbPromise ? dbPromise.then(function (d) { d.close(); }) : Promise.resolve();
    dbPromise = null;
    var caches_ = window.caches ? caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf("gridgov-") === 0; })
        .map(function (k) { return caches.delete(k); }));
    }) : Promise.resolve();
    return Promise.all([caches_, closing.then(function () {
      return new Promise(function (resolve) {
        var req = indexedDB.deleteDatabase(DB_NAME);
        req.onsuccess = req.onerror = req.onblocked = function () { resolve(); };
      });
    })]);
  }

  // ---- WebCrypto -----------------------------------------------------------------
  var keyPromise = null;
  function b64(buf) {
    var s = "", bytes = new Uint8Array(buf);
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function unb64(text) {
    var s = atob(text), bytes = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return bytes;
  }
  // The raw keys live in this tab's sessionStorage only; the CryptoKeys made from them
  // cannot be exported. Without them (a new tab opened offline) nothing can be sealed or
  // read. Two keys: "queue" seals the outbox, "lists" the kept lists (docs/offline.md).
  function stored() {
    try {
      var k = JSON.parse(sessionStorage.getItem(KEY_SLOT) || "null");
      return k && k.key && k.lists_key ? k : null;
    } catch (e) {
      return null;  // a slot of an older version: fetched again
    }
  }
  function key() {
    if (keyPromise) return keyPromise;
    var slot = stored();
    var source = slot ? Promise.resolve(slot) : fetch(CONF.keyUrl, {
      credentials: "same-origin", headers: { Accept: "application/json" },
    }).then(function (r) {
      if (r.status === 403 || r.status === 401 || r.redirected) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (body.code === "not_grid_worker") wipeAll();  // the role was revoked
          throw new Error("no-key");
        });
      }
      if (!r.ok) throw new Error("no-key");
      return r.json().then(function (body) {
        var k = { key: body.key, key_id: body.key_id, lists_key: body.lists_key, lists_key_id: body.lists_key_id };
        sessionStorage.setItem(KEY_SLOT, JSON.stringify(k));
        return k;
      });
    });
    keyPromise = source.then(function (k) {
      function imp(text) {
        return crypto.subtle.importKey("raw", unb64(text), "AES-GCM", false, ["encrypt", "decrypt"]);
      }
      return Promise.all([imp(k.key), imp(k.lists_key)]).then(function (keys) {
        return { queue: keys[0], lists: keys[1], queueId: k.key_id, listsId: k.lists_key_id };
      });
    });
    keyPromise.catch(function () { keyPromise = null; });
    return keyPromise;
  }
  function sealBytes(buf, which) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return key().then(function (k) {
      return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, k[which || "queue"], buf);
    }).then(function (ct) { return { iv: iv, ct: ct }; });
  }
  function openBytes(sealed, which) {
    return key().then(function (k) {
      return crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, k[which || "queue"], sealed.ct);
    });
  }
  function seal(obj, which) { return sealBytes(new TextEncoder().encode(JSON.stringify(obj)), which); }
  function unseal(sealed, which) {
    return openBytes(sealed, which).then(function (buf) { return JSON.parse(new TextDecoder().decode(buf)); });
  }

  // ---- Photos: resized on the phone before they are queued ------------------------
  var LONGEST = 1600;
  function resize(file) {
    if (!/^image\//.test(file.type) || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, LONGEST / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }).then(function (blob) {
      var name = blob === file ? file.name : file.name.replace(/\.[^.]*$/, "") + ".jpg";
      return { name: name, type: blob.type || file.type, blob: blob };
    }, function () {
      return { name: file.name, type: file.type, blob: file };  // not decodable: as is
    });
  }

  // ---- Forms → outbox items ---------------------------------------------------------
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  // A hidden input's default follows its value (the map picker sets lng/lat), so hidden
  // inputs are compared with their value when the page was opened.
  var opened = new WeakMap();
  function changed(el) {
    if (el.type === "hidden") return opened.has(el) && opened.get(el) !== el.value;
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return el.value !== el.defaultValue;
  }
  // The form's fields as the API takes them: extra-* into `extra`, multiple selects as
  // lists; a change (PATCH) carries only what the worker changed, and its `version`.
  function collect(form, submitter) {
    var fields = {}, files = [], patch = (form.dataset.outboxMethod || "POST") === "PATCH";
    var multi = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "submit" || el.type === "button") return;
      if (el.type === "file") {
        Array.prototype.forEach.call(el.files, function (f) { files.push(f); });
        return;
      }
      if (patch && el.name !== "version" && !changed(el)) return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      var values = el.tagName === "SELECT" && el.multiple
        ? Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; })
        : [el.value];
      if (el.multiple || el.type === "checkbox" && form.querySelectorAll("[name='" + el.name + "']").length > 1) {
        multi[el.name] = true;
      }
      var type = el.dataset.json;  // a schema field's JSON type (collection/forms.py)
      if (type) {
        values = values.map(function (v) {
          if (v === "") return v;
          if (type === "boolean") return v === "true";
          var n = type === "integer" ? parseInt(v, 10) : parseFloat(v);
          return isNaN(n) ? v : n;  // not a number: the server says what is wrong
        });
      }
      values.forEach(function (v) {
        if (!patch && v === "" && !multi[el.name]) return;
        if (el.name in fields) {
          fields[el.name] = [].concat(fields[el.name], v);
        } else {
          fields[el.name] = multi[el.name] ? [v] : v;
        }
      });
    });
    if (submitter && submitter.name) fields[submitter.name] = submitter.value;
    var extra = null;
    Object.keys(fields).forEach(function (name) {
      if (name.indexOf("extra-") === 0) {
        extra = extra || {};
        extra[name.slice(6)] = fields[name];
        delete fields[name];
      }
    });
    if (extra) fields.extra = extra;
    return { fields: fields, files: files };
  }
  // What the API takes from each kind of form.
  var SHAPE = {
    visit: function (f, item) {
      if (f.report) {
        f.report_category = f.category;
        if (f.title) f.report_title = f.title;
      }
      delete f.report; delete f.category; delete f.title;
      f.visited_at = new Date(item.created).toISOString();
      f.people = [].concat(f.people || []);
    },
    verification: function (f) {
      var corrections = {};
      Object.keys(f).forEach(function (name) {
        if (["decision", "note", "task", "version"].indexOf(name) < 0) {
          if (f[name] !== "") corrections[name] = f[name];
          delete f[name];
        }
      });
      delete f.task;
      if (f.decision === "corrected") f.corrections = corrections;
    },
    tag: function (f) {
      ["start_date", "responsible", "visit_every_days"].forEach(function (n) {
        if (f[n] === "") delete f[n];
      });
      // The 专项信息 fields (x-*, collection/forms.py schema_form) are the tag's `extra`.
      Object.keys(f).forEach(function (name) {
        if (name.indexOf("x-") === 0) {
          f.extra = f.extra || {};
          if (f[name] !== "") f.extra[name.slice(2)] = f[name];
          delete f[name];
        }
      });
    },
  };

  function queueForm(form, submitter) {
    var got = collect(form, submitter);
    var editing = Number(form.dataset.outboxItem || 0);
    return Promise.all(got.files.map(resize)).then(function (photos) {
      return (editing ? get("outbox", editing) : Promise.resolve(null)).then(function (old) {
        var now = Date.now();
        var item = old || {
          kind: form.dataset.outbox,
          method: form.dataset.outboxMethod || "POST",
          url: form.dataset.outboxApi,
          form: location.pathname + location.search,
          key: uuid(),
          created: now,
        };
        item.state = "pending";
        item.message = "";
        item.updated = now;
        item.fileField = form.dataset.outboxFiles || "files";
        var sealedPhotos = Promise.all(photos.map(function (p) {
          return p.blob.arrayBuffer().then(sealBytes).then(function (s) {
            return { name: p.name, type: p.type, size: p.blob.size, iv: s.iv, ct: s.ct };
          });
        }));
        return Promise.all([seal(got.fields), sealedPhotos, key()]).then(function (sealed) {
          item.box = sealed[0];
          item.kid = sealed[2].queueId;  // which key sealed it (a later key cannot read it)
          // A correction without new photos keeps the ones queued first.
          if (sealed[1].length || !old) item.photos = sealed[1];
          return put("outbox", item);
        });
      });
    });
  }

  // ---- Sending ----------------------------------------------------------------------
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  // "local:N" stands for the record item N creates; usable once that item is sent.
  function resolve(value, done) {
    if (Array.isArray(value)) {
      var out = [];
      for (var i = 0; i < value.length; i++) {
        var v = resolve(value[i], done);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    if (typeof value === "string" && value.indexOf("local:") === 0) {
      var ref = done[Number(value.slice(6))];
      return ref && ref.result && ref.result.id !== undefined ? String(ref.result.id) : undefined;
    }
    return value;
  }
  function request(item, fields, done) {
    var body = {};
    for (var name in fields) {
      var v = resolve(fields[name], done);
      if (v === undefined) return Promise.resolve(null);  // waits for the item it names
      body[name] = v;
    }
    if (SHAPE[item.kind]) SHAPE[item.kind](body, item);
    var headers = { "Idempotency-Key": item.key, "X-CSRFToken": csrf(), Accept: "application/json" };
    return Promise.all((item.photos || []).map(function (p) {
      return openBytes(p).then(function (buf) { return new File([buf], p.name, { type: p.type }); });
    })).then(function (files) {
      var payload;
      if (files.length) {
        payload = new FormData();
        Object.keys(body).forEach(function (k) {
          [].concat(body[k]).forEach(function (v) {
            payload.append(k, typeof v === "object" ? JSON.stringify(v) : v);
          });
        });
        files.forEach(function (f) { payload.append(item.fileField, f, f.name); });
      } else {
        headers["Content-Type"] = "application/json";
        payload = JSON.stringify(body);
      }
      return { init: { method: item.method, credentials: "same-origin", headers: headers, body: payload }, body: body };
    });
  }
  function message(body, status) {
    if (!body) return "服务器拒绝了此条(" + status + ")";
    if (body.detail) return String(body.detail);
    return Object.keys(body).map(function (k) {
      return (FIELDS[k] || k) + ":" + [].concat(body[k]).join(" ");
    }).join(";");
  }

  var syncing = null;
  var SESSION_GONE = "登录已过期,请重新登录后再同步(待同步的内容仍保留在本机)。";
  function syncOnce() {
    return all("outbox").then(function (items) {
      items.sort(function (a, b) { return a.id - b.id; });
      var done = {};
      items.forEach(function (it) { if (it.state === "done") done[it.id] = it; });
      var chain = Promise.resolve("ok");
      items.forEach(function (item) {
        if (item.state !== "pending") return;
        chain = chain.then(function (status) {
          if (status !== "ok") return status;  // network gone or session over: stop
          return key().then(function (k) {
            var stale = item.kid && item.kid !== k.queueId;
            return (stale ? Promise.reject(new Error("stale key")) : unseal(item.box)).then(function (fields) {
              return request(item, fields, done);
            }, function () {
              // Sealed under a key that is no more (a password reset, a role revoked and
              // given again): it cannot be read, so it cannot be sent; the rest go on.
              item.state = "unreadable";
              item.message = UNREADABLE;
              return put("outbox", item).then(function () { return null; });
            });
          }).then(function (req) {
            if (!req) return "ok";
            return fetch(item.url, req.init).then(function (r) {
              if (r.redirected && new URL(r.url).pathname === CONF.login) return "gone";
              return r.json().catch(function () { return null; }).then(function (body) {
                return settle(item, r, body, req.body, done);
              });
            }, function () { return "offline"; });
          });
        });
      });
      return chain;
    });
  }
  function settle(item, r, body, sent, done) {
    if (r.status === 401 || (r.status === 403 && body && /not_authenticated|authentication/.test(body.code || ""))) {
      return clearData().then(function () { return "gone"; });
    }
    if (r.ok) {
      item.state = "done";
      item.message = r.status === 202 && body && body.detail ? body.detail : "";
      item.result = body ? { id: body.id, number: body.number } : {};
      item.box = null; item.photos = [];  // sent: nothing personal stays
      done[item.id] = item;
      return put("outbox", item).then(function () { return "ok"; });
    }
    if (r.status >= 500) return "offline";  // the server's trouble: try again later
    if (r.status === 409 && body && body.server) {
      item.state = "conflict";
      item.message = message(body, r.status);
      var yours = body.yours || sent;
      if (item.kind === "verification") {  // the corrections, field by field
        yours = {};
        Object.keys(sent).forEach(function (k) { if (k !== "corrections" && k !== "version") yours[k] = sent[k]; });
        Object.keys(sent.corrections || {}).forEach(function (k) { yours[k] = sent.corrections[k]; });
      }
      return seal({ server: body.server, yours: yours, version: body.version })
        .then(function (c) { item.conflict = c; return put("outbox", item); })
        .then(function () { return "ok"; });
    }
    item.state = "refused";
    item.message = message(body, r.status);
    return put("outbox", item).then(function () { return "ok"; });
  }
  function sync() {
    if (syncing) return syncing;  // a double tap joins the sync under way
    var work = function () { return syncOnce(); };
    var locked = navigator.locks ? navigator.locks.request("gridgov-sync", work) : work();
    syncing = locked.then(function (status) {
      if (status === "gone") note(SESSION_GONE);
      return status;
    }, function () { return "offline"; }).then(function (status) {
      syncing = null;
      return refresh().then(function () { return status; });
    });
    return syncing;
  }

  // ---- What the phone keeps for offline work -----------------------------------------
  function clearData() {
    sessionStorage.removeItem(KEY_SLOT);
    keyPromise = null;
    return run("store", "readwrite", function (s) { s.clear(); });
  }
  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok || r.redirected) throw new Error(String(r.status));
        return r.json();
      });
  }
  function fetchAll(url, rows, pages) {
    return fetchJSON(url).then(function (body) {
      var got = (rows || []).concat(body.results || body);
      if (body.next && (pages || 0) < 40) return fetchAll(body.next, got, (pages || 0) + 1);
      return got;
    });
  }
  // The worker's grids, their neighbours and the category lists (plain: no personal
  // data), and the worker's lists as the API shows them — masked by the field policy,
  // cut to the fields the offline pages use — sealed under the session's key.
  // Refreshed when the phone has signal, at most every ten minutes, and at once when the
  // session (its key) is new: lists sealed under another session's key cannot be read.
  function keep(force) {
    if (!navigator.onLine || !CONF.dataUrl) return Promise.resolve();
    return Promise.all([get("store", "meta"), key()]).then(function (r) {
      var meta = r[0], listsId = r[1].listsId;
      if (!force && meta && meta.kid === listsId && Date.now() - meta.at < 600000) return null;
      return fetch(CONF.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (r.status === 403) {  // no longer a grid worker: nothing of the work stays
            return r.json().catch(function () { return {}; }).then(function (body) {
              if (body.code === "not_grid_worker") {
                return wipeAll().then(function () { note("您已不再担任网格员,本机数据已清除。"); throw new Error("revoked"); });
              }
              throw new Error("403");
            });
          }
          if (!r.ok || r.redirected) throw new Error(String(r.status));
          return r.json();
        }).then(function (data) {
        var lists = Promise.all((data.lists || []).map(function (list) {
          return fetchAll(list.url).then(function (rows) {
            var kept = rows.map(function (row) {
              if (!list.fields) return row;
              var out = {};
              list.fields.forEach(function (f) { if (f in row) out[f] = row[f]; });
              return out;
            });
            return seal({ rows: kept, choices: list.choices || {} }, "lists").then(function (s) {
              return put("store", { name: "list:" + list.name, label: list.label, count: kept.length, sealed: s });
            });
          });
        }));
        return Promise.all([
          put("store", { name: "grids", value: data.grids }),
          put("store", { name: "neighbours", value: data.neighbours }),
          put("store", { name: "categories", value: data.categories }),
          lists,
        ]).then(function () { return put("store", { name: "meta", at: Date.now(), kid: listsId }); });
      });
    }).catch(function () {});
  }
  // Ray casting: is [x, y] inside the polygon's rings (holes subtracted)?
  function inRing(x, y, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function inGeometry(x, y, g) {
    if (!g) return false;
    var polygons = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    return polygons.some(function (rings) {
      if (!rings.length || !inRing(x, y, rings[0])) return false;
      return !rings.slice(1).some(function (hole) { return inRing(x, y, hole); });
    });
  }
  function locate(lng, lat) {
    return get("store", "grids").then(function (rec) {
      var hit = null;
      ((rec && rec.value && rec.value.features) || []).some(function (f) {
        if (inGeometry(lng, lat, f.geometry)) { hit = f.properties; return true; }
        return false;
      });
      return hit;
    });
  }
  function boundaries() {
    return Promise.all([get("store", "grids"), get("store", "neighbours")]).then(function (r) {
      return { own: r[0] && r[0].value, neighbours: r[1] && r[1].value };
    });
  }

  // ---- Offline pages: the lists the shell leaves out ----------------------------------
  // A page kept by the service worker is its shell (docs/offline.md): where the online
  // page lists people or houses it has an empty [data-offline-list]; the rows come from
  // the sealed kept list, shown with textContent only.
  function keptList(name) {
    return get("store", "list:" + name).then(function (rec) {
      if (!rec || !rec.sealed) return null;
      return unseal(rec.sealed, "lists");
    });
  }
  function cell(row, column, choices) {
    var v = row[column];
    if (choices[column] && v in choices[column]) v = choices[column][v];
    return v === null || v === undefined || v === "" ? "—" : String(v);
  }
  function fillList(target) {
    var columns = (target.dataset.offlineColumns || "name").split(" ");
    var search = target.dataset.offlineSearch || "";
    var q = (new URLSearchParams(location.search).get(search) || "").trim();
    var box = search && document.querySelector("input[name='" + search + "']");
    if (box && q) box.value = q;  // the shell was rendered without the query
    return keptList(target.dataset.offlineList).then(function (list) {
      if (!list) return;
      var rows = list.rows.filter(function (row) {
        if (!q) return true;
        return ["name", "address", "residence_address", "owner_name"].some(function (f) {
          return String(row[f] || "").indexOf(q) >= 0;
        });
      });
      if (target.tagName === "SELECT") {
        rows.forEach(function (row) {
          var o = document.createElement("option");
          o.value = String(row.id);
          o.textContent = cell(row, columns[0], list.choices);
          target.appendChild(o);
        });
        return;
      }
      target.textContent = "";
      if (!rows.length) {
        var none = el("tr");
        var td = el("td", "muted", "暂无记录。");
        td.colSpan = columns.length;
        none.appendChild(td);
        target.appendChild(none);
      }
      rows.forEach(function (row) {
        var tr = el("tr");
        columns.forEach(function (c) { tr.appendChild(el("td", "", cell(row, c, list.choices))); });
        target.appendChild(tr);
      });
    }).catch(function () {
      if (target.tagName !== "SELECT") {
        target.textContent = "";
        var tr = el("tr");
        var td = el("td", "muted", "本机名单无法读取(登录已更换),请在有信号时打开一次本应用。");
        td.colSpan = columns.length;
        tr.appendChild(td);
        target.appendChild(tr);
      }
    });
  }

  // ---- On the page ------------------------------------------------------------------
  var badge = null;
  function counts(items) {
    var c = { waiting: 0, done: 0 };
    items.forEach(function (it) { if (it.state === "done") c.done++; else c.waiting++; });
    return c;
  }
  function refresh() {
    return all("outbox").then(function (items) {
      var c = counts(items);
      if (badge) {
        badge.textContent = "待同步 " + c.waiting + " 条";
        badge.classList.toggle("empty", c.waiting === 0);
      }
      if (document.getElementById("outbox-list")) renderSync(items);
      return c;
    }).catch(function () {});
  }
  function note(text, form) {
    var box = (form || document).querySelector(".outbox-note") || document.getElementById("outbox-note");
    if (!box) {
      box = document.createElement("div");
      box.className = "outbox-note";
      box.setAttribute("role", "status");
      var main = form || document.querySelector("main");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
    return box;
  }
  function fixForm(form) {
    var id = Number(new URLSearchParams(location.search).get("outbox") || 0);
    if (!id) return Promise.resolve();
    return get("outbox", id).then(function (item) {
      if (!item || !item.box) return;
      form.dataset.outboxItem = String(id);
      if (item.state === "refused") {
        var err = document.createElement("div");
        err.className = "error outbox-refused";
        err.setAttribute("role", "alert");
        err.textContent = "服务器退回:" + item.message;
        form.insertBefore(err, form.firstChild);
      }
      return unseal(item.box).then(function (fields) {
        Object.keys(fields).forEach(function (name) {
          var values = name === "extra" ? null : [].concat(fields[name]);
          if (name === "extra") {
            Object.keys(fields.extra).forEach(function (k) { fill(form, "extra-" + k, [].concat(fields.extra[k])); });
          } else {
            fill(form, name, values);
          }
        });
      });
    });
  }
  function fill(form, name, values) {
    var els = form.querySelectorAll("[name='" + name + "']");
    if (!els.length && name !== "version") {
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = name; hidden.value = values[0];
      form.appendChild(hidden);
      return;
    }
    Array.prototype.forEach.call(els, function (el) {
      if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) >= 0;
      else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
      } else if (el.type !== "file") el.value = values[0];
    });
  }
  // A resident of a house registered offline (?house=local:N): the house is the queued
  // item, its grid the item's grid.
  function localHouse(form) {
    var ref = new URLSearchParams(location.search).get("house") || "";
    if (ref.indexOf("local:") !== 0 || form.dataset.outbox !== "person") return Promise.resolve();
    return get("outbox", Number(ref.slice(6))).then(function (item) {
      if (!item || !item.box) return;
      return unseal(item.box).then(function (house) {
        fill(form, "house", [ref]);
        var grid = form.querySelector("select[name=grid]");
        if (grid) grid.value = house.grid;
        note("居住房屋(待同步):" + house.address, form);
      });
    });
  }
  // Offline the visit form lists the grid's people from the sealed kept list (fillList);
  // people registered offline are added from the outbox.
  function localPeople(form) {
    var select = form.querySelector("select[name=people]");
    if (!select || form.dataset.outbox !== "visit") return Promise.resolve();
    return all("outbox").then(function (items) {
      return Promise.all(items.filter(function (it) { return it.kind === "person" && it.box; }).map(function (it) {
        return unseal(it.box).then(function (p) {
          var o = document.createElement("option");
          o.value = "local:" + it.id;
          o.textContent = p.name + "(待同步)";
          select.appendChild(o);
        });
      }));
    });
  }
  function after(form, id, item) {
    var box = note("已保存到本机,待同步(有信号时自动发送)。", form);
    if (form.dataset.outbox === "house") {
      var link = document.createElement("a");
      link.href = CONF.personNew + "?house=local:" + id;
      link.className = "button";
      link.id = "outbox-add-resident";
      link.textContent = "为此房屋登记住户";
      box.appendChild(document.createTextNode(" "));
      box.appendChild(link);
    }
    if (!item) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.type === "file") el.value = "";
        else if (["text", "textarea", "tel", "search", "date", "number"].indexOf(el.type) >= 0 && el.name !== "version") el.value = "";
        else if (el.tagName === "TEXTAREA") el.value = "";
        else if (el.type === "checkbox") el.checked = false;
      });
      if (form.dataset.outbox === "person") localHouse(form);
    }
  }

  function hasLocal(form) {
    return Array.prototype.some.call(form.elements, function (e) {
      if (e.tagName === "SELECT") {
        return Array.prototype.some.call(e.options, function (o) { return o.selected && o.value.indexOf("local:") === 0; });
      }
      return String(e.value || "").indexOf("local:") === 0;
    });
  }
  function bind(form) {
    Array.prototype.forEach.call(form.querySelectorAll("input[type=hidden]"), function (h) {
      opened.set(h, h.value);
    });
    var lists = form.querySelector("[data-offline-list]") ? fillList(form.querySelector("[data-offline-list]")) : Promise.resolve();
    lists.then(function () { return fixForm(form); }).then(function () { return localHouse(form); })
      .then(function () { return localPeople(form); }).catch(function () {});
    form.addEventListener("submit", function (event) {
      if (form.dataset.probed) { delete form.dataset.probed; return; }  // checked: as always
      var mustQueue = !navigator.onLine || form.dataset.outboxItem || hasLocal(form);
      event.preventDefault();
      var submitter = event.submitter;
      // "Online" may be a bar of signal that carries nothing: ask the server first; if it
      // does not answer, the form goes into the outbox instead of into a browser error.
      (mustQueue ? Promise.resolve(false) : reachable()).then(function (up) {
        if (up) {
          form.dataset.probed = "1";
          if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
          return;
        }
        queue(form, submitter);
      });
    });
  }
  function reachable() {
    var ctl = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctl) ctl.abort(); }, 5000);
    return fetch(CONF.keyUrl, { credentials: "same-origin", cache: "no-store", signal: ctl && ctl.signal })
      .then(function (r) { clearTimeout(timer); return r.status < 500; },
        function () { clearTimeout(timer); return false; });
  }
  function queue(form, submitter) {
    var editing = form.dataset.outboxItem;
    queueForm(form, submitter).then(function (id) {
      delete form.dataset.outboxItem;
      var err = form.querySelector(".outbox-refused");
      if (err) err.remove();
      after(form, id, editing);
      return refresh().then(function () { if (navigator.onLine) return sync(); });
    }).catch(function () {
      note("无法在本机保存:请在有信号时打开一次本应用(取得本机加密密钥)后再试。", form).classList.add("error");
    });
  }

  // ---- The sync screen and 本机数据 ---------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function show(v) {
    if (v === null || v === undefined || v === "") return "—";
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  function summary(kind, f) {
    return f.name || f.address || f.title || f.place || f.findings || f.decision || "";
  }
  function renderSync(items) {
    var list = document.getElementById("outbox-list");
    list.textContent = "";
    items.sort(function (a, b) { return a.id - b.id; });
    if (!items.length) list.appendChild(el("p", "muted", "本机没有待同步的内容。"));
    items.forEach(function (item) {
      var li = el("li", "outbox-item state-" + item.state);
      li.dataset.id = item.id;
      var head = el("div", "outbox-head");
      head.appendChild(el("b", "", LABELS[item.kind] || item.kind));
      head.appendChild(el("span", "what", ""));
      head.appendChild(el("span", "state", STATES[item.state] || item.state));
      head.appendChild(el("time", "muted", new Date(item.created).toLocaleString("zh-CN")));
      li.appendChild(head);
      if (item.box && item.state !== "unreadable") {
        unseal(item.box).then(function (f) { head.querySelector(".what").textContent = summary(item.kind, f); })
          .catch(function () { head.querySelector(".what").textContent = "(本机密钥不可用,暂无法显示)"; });
      }
      if (item.message) li.appendChild(el("p", item.state === "done" ? "muted" : "error", item.message));
      var made = item.state === "done" && item.result && RECORD[item.kind];
      if (made && (item.result.id || item.result.number)) {
        var open = el("a", "", "查看");
        open.href = RECORD[item.kind](item.result);
        li.appendChild(open);
      }
      if (item.state === "refused") {
        var fix = el("a", "button fix", "修改后重新提交");
        fix.href = item.form + (item.form.indexOf("?") >= 0 ? "&" : "?") + "outbox=" + item.id;
        li.appendChild(fix);
      }
      if (["refused", "conflict", "unreadable"].indexOf(item.state) >= 0) {
        var drop = el("button", "link drop", "放弃此条");
        drop.type = "button";
        drop.addEventListener("click", function () {
          if (window.confirm("放弃后此条内容将从本机删除,不会发送。确定放弃?")) del("outbox", item.id).then(refresh);
        });
        li.appendChild(drop);
      }
      if (item.state === "conflict" && item.conflict) {
        unseal(item.conflict).then(function (c) { li.appendChild(chooser(item, c)); });
      }
      list.appendChild(li);
    });
  }
  // Both versions side by side, field by field; the merged change is sent with the
  // server's version.
  function chooser(item, c) {
    var form = el("form", "conflict");
    var table = el("table", "table conflict-table");
    var head = el("tr");
    ["字段", "服务器上的版本", "我的修改"].forEach(function (t) { head.appendChild(el("th", "", t)); });
    table.appendChild(head);
    // What says which record the change is for is carried as it was, not chosen.
    var carried = ["version", "tag", "grid", "house", "task", "decision", "note"];
    var names = Object.keys(c.yours || {}).filter(function (n) { return carried.indexOf(n) < 0; });
    names.forEach(function (name) {
      var tr = el("tr");
      tr.dataset.field = name;
      tr.appendChild(el("th", "", FIELDS[name] || name));
      ["server", "mine"].forEach(function (side) {
        var td = el("td");
        var label = el("label", "inline");
        var radio = el("input");
        radio.type = "radio"; radio.name = "pick-" + name; radio.value = side;
        radio.checked = side === "mine";
        label.appendChild(radio);
        label.appendChild(document.createTextNode(" " + show(side === "server" ? (c.server || {})[name] : c.yours[name])));
        td.appendChild(label);
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    form.appendChild(table);
    var go = el("button", "primary", "按所选重新提交");
    go.type = "submit";
    form.appendChild(go);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var fields = {};
      carried.forEach(function (name) { if (name in (c.yours || {})) fields[name] = c.yours[name]; });
      names.forEach(function (name) {
        var picked = form.querySelector("input[name='pick-" + name + "']:checked");
        if (picked && picked.value === "mine") fields[name] = c.yours[name];
      });
      var picked = names.filter(function (n) { return n in fields; });
      if (!picked.length && item.kind === "verification") {
        // 核准 with the server's version kept whole: what the worker found is what the
        // server holds — confirmed.
        fields.decision = "confirmed";
        picked = ["decision"];
      }
      if (!picked.length) {  // the server's version kept whole: nothing to send
        item.state = "done"; item.message = "已采用服务器上的版本"; item.box = null; item.conflict = null;
        put("outbox", item).then(refresh);
        return;
      }
      fields.version = c.version;
      Promise.all([seal(fields), key()]).then(function (r) {
        item.box = r[0]; item.kid = r[1].queueId; item.conflict = null; item.state = "pending"; item.message = "";
        return put("outbox", item);
      }).then(function () { return navigator.onLine ? sync() : refresh(); });
    });
    return form;
  }
  function renderLocal() {
    var box = document.getElementById("local-data");
    if (!box) return Promise.resolve();
    return Promise.all([all("outbox"), all("store"), window.caches ? caches.keys() : Promise.resolve([])])
      .then(function (r) {
        box.textContent = "";
        var dl = el("dl", "facts");
        function row(k, v) { dl.appendChild(el("dt", "", k)); dl.appendChild(el("dd", "", v)); }
        var c = counts(r[0]);
        row("待同步", c.waiting + " 条(已加密)");
        row("已同步记录", c.done + " 条(仅保留编号)");
        r[1].forEach(function (rec) {
          if (rec.name.indexOf("list:") === 0) row(rec.label || rec.name, rec.count + " 条(已加密,按字段权限脱敏)");
        });
        var grids = r[1].filter(function (x) { return x.name === "grids"; })[0];
        var neighbours = r[1].filter(function (x) { return x.name === "neighbours"; })[0];
        var cats = r[1].filter(function (x) { return x.name === "categories"; })[0];
        row("网格边界", ((grids && grids.value.features.length) || 0) + " 个本人网格," +
          ((neighbours && neighbours.value.features.length) || 0) + " 个相邻网格");
        row("事件分类", ((cats && cats.value.length) || 0) + " 类");
        row("离线页面", r[2].filter(function (k) { return k.indexOf("gridgov-") === 0; }).length ? "已保存" : "无");
        row("本机密钥", sessionStorage.getItem(KEY_SLOT) ? "本次登录有效(关闭或退出即清除)" : "无");
        box.appendChild(dl);
      }).catch(function () {});
  }

  function init() {
    var topbar = document.querySelector(".topbar");
    if (topbar && CONF.syncUrl) {
      badge = el("a", "outbox-badge empty", "待同步 0 条");
      badge.href = CONF.syncUrl;
      badge.id = "outbox-badge";
      topbar.insertBefore(badge, topbar.querySelector(".menu-toggle"));
    }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-outbox]"), bind);
    // Lists of the shell outside a form (我的网格's people and houses).
    Array.prototype.forEach.call(document.querySelectorAll("[data-offline-list]"), function (target) {
      if (!target.closest("form[data-outbox]")) fillList(target);
    });
    // Logout wipes what this phone keeps of the worker's work.
    Array.prototype.forEach.call(document.querySelectorAll("form[action='" + CONF.logout + "']"), function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.wiped) return;
        event.preventDefault();
        all("outbox").then(counts, function () { return { waiting: 0 }; }).then(function (c) {
          if (c.waiting && !window.confirm("本机还有 " + c.waiting + " 条未同步,退出将清除。确定退出?")) return;
          wipeAll().then(function () { form.dataset.wiped = "1"; form.submit(); });
        });
      });
    });
    var now = document.getElementById("sync-now");
    if (now) now.addEventListener("click", function () { sync(); });
    var clearDone = document.getElementById("clear-done");
    if (clearDone) {
      clearDone.addEventListener("click", function () {
        all("outbox").then(function (items) {
          // While something waits, the sent items stay: a waiting one may name the
          // record one of them made (a resident of a house registered offline).
          if (counts(items).waiting) { note("仍有待同步的内容,已同步的记录暂留以便关联。"); return; }
          return Promise.all(items.filter(function (i) { return i.state === "done"; }).map(function (i) { return del("outbox", i.id); }));
        }).then(refresh).then(renderLocal);
      });
    }
    var wipe = document.getElementById("wipe-local");
    if (wipe) {
      wipe.addEventListener("click", function () {
        all("outbox").then(counts).then(function (c) {
          if (c.waiting && !window.confirm("还有 " + c.waiting + " 条未同步,清除后将无法发送。确定清除?")) return;
          return wipeAll().then(function () { location.reload(); });
        });
      });
    }
    window.addEventListener("online", function () { keep(false); sync(); });
    refresh().then(renderLocal);
    if (navigator.onLine) {
      key().then(function () { return keep(false); }).then(renderLocal).then(sync).catch(function () {});
    }
  }

  window.gridgovOffline = { sync: sync, locate: locate, boundaries: boundaries, refresh: refresh, wipe: wipeAll };
  init();
})();
