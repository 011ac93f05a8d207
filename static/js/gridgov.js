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
})();
