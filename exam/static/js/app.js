// Site-wide behaviour: CSRF header on htmx requests, htmx error swaps, auto-submit selects.
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  window.examCsrfToken = csrfToken;
  document.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.headers["X-CSRF-Token"] = csrfToken();
  });
  if (window.htmx) {
    // htmx 2 does not swap 4xx by default: swap validation errors (422) and conflicts (409) so users see them.
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true, error: false },
      { code: "409", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
  }
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el && el.classList && el.classList.contains("js-autosubmit") && el.form) el.form.submit();
  });
})();
