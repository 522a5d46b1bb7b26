// HR review pages: select-all, compare/bulk buttons, print (opening every <details> first), confirmations.
(function () {
  "use strict";

  function selected(form) {
    return form ? form.querySelectorAll('input[name="ids"]:checked') : [];
  }

  function refresh(form) {
    if (!form) return;
    var n = selected(form).length;
    var compare = form.querySelector('[data-compare]');
    if (compare) compare.disabled = n < 2 || n > 4;
    var decide = form.querySelector('[data-decide]');
    if (decide) decide.disabled = n < 1;
    var count = form.querySelector('[data-selected-count]');
    if (count) count.textContent = String(n);
    var all = form.querySelector('[data-select-all]');
    if (all) {
      var boxes = form.querySelectorAll('input[name="ids"]');
      all.checked = boxes.length > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
  }

  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (!el || !el.closest) return;
    var form = el.closest("form[data-bulk]");
    if (!form) return;
    if (el.hasAttribute("data-select-all")) {
      form.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = el.checked; });
    }
    refresh(form);
  });

  function init(root) {
    (root || document).querySelectorAll("form[data-bulk]").forEach(refresh);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function () { init(document); });

  document.addEventListener("click", function (evt) {
    var el = evt.target && evt.target.closest ? evt.target.closest("[data-print]") : null;
    if (el) {
      evt.preventDefault();
      window.print();
    }
  });

  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = [];
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      if (!d.classList.contains("no-print")) { d.open = true; opened.push(d); }
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });

  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (form && form.hasAttribute && form.hasAttribute("data-confirm")) {
      if (!window.confirm(form.getAttribute("data-confirm"))) evt.preventDefault();
    }
  });
})();
