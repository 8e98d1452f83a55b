/* Page-wide behaviour: success and info messages fade after a few seconds; errors stay
   until dismissed, so nobody misses why a change was refused. */
(function () {
  "use strict";
  function schedule(root) {
    root.querySelectorAll(".toast-success, .toast-info").forEach(function (el) {
      if (el.dataset.timer) return;
      el.dataset.timer = "1";
      setTimeout(function () { el.remove(); }, 5000);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { schedule(document); });
  document.addEventListener("htmx:afterSettle", function () { schedule(document); });
  document.addEventListener("htmx:oobAfterSwap", function () { schedule(document); });
})();
