/* Settings: drag stages into a new order. The server answers with the list as stored, so a
   refused reorder (someone else changed the stages) shows the true order again. The arrow
   buttons in each row are the keyboard alternative and work without JavaScript. */
(function () {
  "use strict";

  function init(root) {
    const list = root.querySelector ? root.querySelector("#stage-list") : null;
    const el = list || (root.id === "stage-list" ? root : null);
    if (!el || el._sortable || typeof Sortable === "undefined") return;
    el._sortable = Sortable.create(el, {
      handle: ".drag-handle",
      draggable: ".stage-row",
      animation: 120,
      // Pointer events rather than native HTML5 drag: the same behaviour with mouse, touch
      // and pen, and a ghost that follows the pointer inside the scrolling page.
      forceFallback: true,
      onEnd: function (evt) {
        if (evt.oldIndex === evt.newIndex) return;
        const order = Array.from(el.querySelectorAll(".stage-row"))
          .map(function (row) { return row.dataset.stageId; });
        el._sortable.option("disabled", true);
        htmx.ajax("POST", el.dataset.reorderUrl, {
          source: el, target: "#stage-list", swap: "outerHTML",
          values: { order: order.join(",") },
        });
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.body.addEventListener("htmx:afterSettle", function (evt) { init(evt.detail.elt); init(document); });
})();
