// Behaviour every page shares. The Content-Security-Policy forbids inline handlers
// (onclick=, onchange=), so markup declares intent with data- attributes and this file
// attaches the listeners.
(function () {
  "use strict";
  // <select data-autosubmit>: submit its form on change (the language switcher).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { if (sel.form) sel.form.submit(); });
  });
  // <button data-confirm="...">: ask before submitting.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest ? e.target.closest("[data-confirm]") : null;
    if (btn && !window.confirm(btn.dataset.confirm)) e.preventDefault();
  });
  // The phone menu: 菜单 opens and closes the drawer (CSS shows it under body.menu-open).
  var toggle = document.getElementById("menu-toggle");
  if (toggle) toggle.addEventListener("click", function () {
    var open = document.body.classList.toggle("menu-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  // Tables become cards on phones: each cell carries its column's name, shown before
  // the value (gridgov.css). Tables filled later by a script call GridGov.labelTable.
  function labelTable(table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      var cells = tr.children;
      if (cells.length === 1) return;  // an "empty" row spanning all columns
      for (var i = 0; i < cells.length && i < heads.length; i++) {
        if (!cells[i].hasAttribute("data-label")) cells[i].setAttribute("data-label", heads[i]);
      }
    });
  }
  document.querySelectorAll("table.table").forEach(labelTable);
  // File inputs speak the page's language whatever the browser's own is: the native
  // control is kept (forms, capture=, tests use it) but shown as a button with our
  // words and the number of files chosen. The words come from <body data-file-*>.
  var words = document.body.dataset;
  document.querySelectorAll("input[type=file]").forEach(function (input) {
    if (!words.fileChoose || input.closest(".file-picker")) return;
    // Inside a label already (the usual form markup): a span, as labels do not nest.
    var picker = document.createElement(input.closest("label") ? "span" : "label");
    picker.className = "file-picker";
    var button = document.createElement("span");
    button.className = "button secondary";
    button.textContent = words.fileChoose;
    var chosen = document.createElement("span");
    chosen.className = "muted file-chosen";
    chosen.textContent = words.fileNone;
    input.parentNode.insertBefore(picker, input);
    picker.appendChild(input);
    picker.appendChild(button);
    picker.appendChild(chosen);
    input.addEventListener("change", function () {
      var n = input.files ? input.files.length : 0;
      chosen.textContent = n === 0 ? words.fileNone
        : n === 1 ? input.files[0].name : words.fileMany.replace("%(n)s", String(n));
    });
  });
  window.GridGov = window.GridGov || {};
  window.GridGov.labelTable = labelTable;
})();
