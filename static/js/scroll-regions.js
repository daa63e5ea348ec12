// A table wider than the window scrolls inside its .table-wrap; a keyboard user can only
// scroll it once it takes the focus (WCAG 2.1.1, axe-core scrollable-region-focusable).
// Only the boxes that do scroll become tab stops, named after their table's caption or
// the heading before them.
(function () {
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        var heading = box.parentElement && box.parentElement.querySelector("h1, h2, h3");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", ((caption || heading || {}).textContent || "表格").trim()
          + "（可左右滚动）");
      } else if (!scrolls && box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
})();
