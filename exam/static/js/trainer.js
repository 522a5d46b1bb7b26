// Trainers' workspace: clicking a problem's "line N" puts the cursor on that line of the YAML editor.
(function () {
  "use strict";
  document.addEventListener("click", function (evt) {
    var link = evt.target && evt.target.closest ? evt.target.closest(".line-link[data-line]") : null;
    if (!link) return;
    var area = document.getElementById(link.getAttribute("data-target") || "yaml-text");
    if (!area) return;
    var line = parseInt(link.getAttribute("data-line"), 10) || 1;
    var lines = area.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
    var end = start + (lines[line - 1] || "").length;
    area.focus();
    area.setSelectionRange(start, end);
    var lineHeight = parseFloat(window.getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (line - 3) * lineHeight);
  });
})();
