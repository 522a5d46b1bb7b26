// HR opening page: select invitation links on focus, reset invitation forms after a successful htmx post.
(function () {
  "use strict";
  document.addEventListener("focusin", function (evt) {
    var el = evt.target;
    if (el && el.classList && el.classList.contains("js-select") && el.select) el.select();
  });
  document.addEventListener("click", function (evt) {
    var el = evt.target;
    if (el && el.classList && el.classList.contains("js-select") && el.select) el.select();
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail && evt.detail.elt;
    if (form && form.classList && form.classList.contains("js-reset-on-success") && evt.detail.successful &&
        evt.detail.xhr && evt.detail.xhr.status < 300) {
      form.reset();
    }
  });
})();
