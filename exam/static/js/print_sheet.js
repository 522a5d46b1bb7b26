// The printable invitation sheet: the Print button opens the browser's print dialog.
(function () {
  "use strict";
  document.addEventListener("click", function (evt) {
    if (evt.target && evt.target.classList && evt.target.classList.contains("js-print")) window.print();
  });
})();
