/* The board's drag and drop. Every move is one htmx request carrying the deal's version;
   the server answers with the true state, so a refused move puts the card back where it is. */
(function () {
  "use strict";
  let dragging = false;
  let pending = null; // a card dropped on Lost, waiting for its reason

  function setDisabled(disabled) {
    document.querySelectorAll(".cards, .dropzone").forEach(function (el) {
      if (el._sortable) el._sortable.option("disabled", disabled);
    });
  }

  function dealUrl(card, action) {
    // data-deal-url is the URL of deal 0 ("/deals/0/"): swap in this card's id.
    const base = document.getElementById("board").dataset.dealUrl.replace(/0\/$/, "");
    return base + card.dataset.dealId + "/" + action + "/";
  }

  function send(url, card, values, swap) {
    setDisabled(true);
    return htmx.ajax("POST", url, { source: card, target: card, swap: swap, values: values })
      .finally(function () { setDisabled(false); });
  }

  function putBack(evt) {
    const ref = evt.from.children[evt.oldIndex] || null;
    evt.from.insertBefore(evt.item, ref);
  }

  const common = {
    group: { name: "deals", pull: true, put: true },
    sort: false,
    draggable: ".card",
    filter: "select, button, input, textarea",
    preventOnFilter: false,
    animation: 120,
    delayOnTouchOnly: true,
    delay: 120,
    onStart: function () { dragging = true; document.body.classList.add("is-dragging"); },
    onEnd: function () { dragging = false; document.body.classList.remove("is-dragging"); },
  };

  function initColumns(root) {
    root.querySelectorAll(".cards").forEach(function (list) {
      if (list._sortable) return;
      list._sortable = Sortable.create(list, Object.assign({}, common, {
        // Posted from the destination list, which is where `add` fires on a cross-column drop.
        onAdd: function (evt) {
          const card = evt.item;
          send(dealUrl(card, "move"), card, { stage: list.dataset.stageId, version: card.dataset.version }, "outerHTML");
        },
      }));
    });
  }

  function initDropzones() {
    document.querySelectorAll(".dropzone").forEach(function (zone) {
      if (zone._sortable) return;
      zone._sortable = Sortable.create(zone, {
        group: { name: "deals", pull: false, put: true },
        sort: false,
        draggable: ".card",
        onAdd: function (evt) {
          const card = evt.item;
          if (zone.dataset.drop === "won") {
            // Back in its column until the server confirms; a refusal then leaves it there.
            putBack(evt);
            send(dealUrl(card, "win"), card, { version: card.dataset.version }, "delete");
          } else {
            askLostReason(evt);
          }
        },
      });
    });
  }

  function askLostReason(evt) {
    const dialog = document.getElementById("lose-dialog");
    pending = evt;
    document.getElementById("lose-deal-title").textContent = evt.item.dataset.title || "";
    document.getElementById("lose-form").reset();
    dialog.showModal();
  }

  function setupDialog() {
    const dialog = document.getElementById("lose-dialog");
    if (!dialog) return;
    const form = document.getElementById("lose-form");
    function cancel() {
      if (pending) { putBack(pending); pending = null; }
      if (dialog.open) dialog.close();
    }
    document.getElementById("lose-cancel").addEventListener("click", cancel);
    dialog.addEventListener("cancel", function (e) { e.preventDefault(); cancel(); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      const reason = form.elements.reason.value;
      if (!reason) { form.elements.reason.focus(); return; }
      const evt = pending; pending = null;
      dialog.close();
      // Back in its column while the server decides; removed only when the loss is saved.
      putBack(evt);
      const card = evt.item;
      send(dealUrl(card, "lose"), card, { version: card.dataset.version, reason: reason, note: form.elements.note.value }, "delete");
    });
  }

  // A keyboard move re-renders both columns: keep the focus on the moved deal's control.
  let keyboardMove = null;
  document.body.addEventListener("change", function (e) {
    if (e.target.classList && e.target.classList.contains("move-select")) keyboardMove = e.target.id;
  });
  document.body.addEventListener("stagecoach:deal-moved", function (e) {
    if (!keyboardMove) return;
    const select = document.getElementById("move-" + e.detail.deal);
    keyboardMove = null;
    if (select) select.focus();
  });

  // Another user's change arrives through polling; never while a card is in the air.
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    const el = e.detail.elt;
    if (el && el.classList && el.classList.contains("poll") && (dragging || pending)) e.preventDefault();
  });
  // The poll redraws the whole board: tell it how many cards each column shows, so cards
  // loaded by scrolling stay (issue 16 item 2).
  document.body.addEventListener("htmx:configRequest", function (e) {
    const el = e.detail.elt;
    if (!el || !el.classList || !el.classList.contains("poll")) return;
    document.querySelectorAll("#board .cards[data-stage-id]").forEach(function (list) {
      e.detail.parameters["shown_" + list.dataset.stageId] = list.querySelectorAll(".card").length;
    });
  });
  htmx.onLoad(function () { initColumns(document); });
  document.addEventListener("DOMContentLoaded", function () {
    const board = document.getElementById("board");
    if (board) initColumns(board);
    initDropzones();
    setupDialog();
  });
})();
