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

  // "Move to…": picking a stage from the open list moves at once, but the arrow keys (and
  // typing) on a closed select change its value one step per key press, and Chromium reports
  // each step as a change. Such a change is held back until confirmed with Enter or the Move
  // button; Escape, or leaving the control, puts the current stage back.
  let keyed = null;
  let confirming = false;
  function isMoveSelect(el) { return el instanceof HTMLSelectElement && el.classList.contains("move-select"); }
  function currentStage(select) {
    return Array.prototype.find.call(select.options, function (o) { return o.defaultSelected; });
  }
  function setPending(select, pending) {
    select.form.classList.toggle("move-pending", pending);
  }
  function confirmMove(select) {
    setPending(select, false);
    confirming = true;
    try { select.dispatchEvent(new Event("change", { bubbles: true })); } finally { confirming = false; }
  }
  function revert(select) {
    const current = currentStage(select);
    if (current) select.value = current.value;
    setPending(select, false);
  }
  document.addEventListener("keydown", function (e) {
    const select = e.target;
    if (!isMoveSelect(select)) return;
    if (select.form.classList.contains("move-pending") && e.key === "Enter") {
      e.preventDefault();
      confirmMove(select);
    } else if (select.form.classList.contains("move-pending") && e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();  // the side panel stays open
      revert(select);
    } else if (!e.altKey && !["Enter", "Escape", "Tab", " ", "F4"].includes(e.key)) {
      keyed = select;
      setTimeout(function () { keyed = null; }, 0);
    }
  }, true);
  // Capturing at the document runs before htmx's own listener on the select.
  document.addEventListener("change", function (e) {
    const select = e.target;
    if (!isMoveSelect(select) || confirming || keyed !== select) return;
    e.stopPropagation();
    const current = currentStage(select);
    setPending(select, !current || select.value !== current.value);
  }, true);
  document.addEventListener("submit", function (e) {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("move-form")) return;
    e.preventDefault();
    confirmMove(form.querySelector(".move-select"));
  });
  document.addEventListener("focusout", function (e) {
    const select = e.target;
    if (!isMoveSelect(select) || !select.form.classList.contains("move-pending")) return;
    if (e.relatedTarget && select.form.contains(e.relatedTarget)) return;  // on to "Move"
    revert(select);
  });

  // A keyboard move re-renders both columns: keep the focus on the moved deal's control.
  let keyboardMove = null;
  document.body.addEventListener("change", function (e) {
    if (isMoveSelect(e.target)) keyboardMove = e.target.id;
  });
  document.body.addEventListener("stagecoach:deal-moved", function (e) {
    // Say what happened to screen-reader users too (drags and keyboard moves alike).
    const status = document.getElementById("board-status");
    if (status && e.detail.message) status.textContent = e.detail.message;
    if (!keyboardMove) return;
    const select = document.getElementById("move-" + e.detail.deal);
    keyboardMove = null;
    if (select) select.focus();
  });

  // The side panel closes with Escape too, and the focus goes back to the deal it showed.
  let panelOpener = null;
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    const el = e.detail.elt;
    if (el && el.getAttribute && el.getAttribute("hx-target") === "#panel") panelOpener = el;
  });
  document.addEventListener("keydown", function (e) {
    const panel = document.getElementById("panel");
    if (e.key !== "Escape" || !panel || !panel.innerHTML.trim()) return;
    if (document.querySelector("dialog[open]")) return;  // the Lost dialog handles its own Escape
    panel.innerHTML = "";
    if (panelOpener && panelOpener.isConnected) panelOpener.focus();
    panelOpener = null;
  });

  // Phones show one stage at a time: the stage tabs scroll the board to their column, and
  // the tab of the column in view is marked as the current one.
  function markTab(board) {
    const columns = board.querySelectorAll(".column");
    if (!columns.length || !board.clientWidth) return;
    const index = Math.min(columns.length - 1, Math.round(board.scrollLeft / board.clientWidth));
    const id = columns[index].dataset.stageId;
    document.querySelectorAll("[data-stage-tab]").forEach(function (tab) {
      if (tab.dataset.stageTab === id) {
        tab.setAttribute("aria-current", "true");
        const box = tab.getBoundingClientRect();
        const strip = tab.parentElement.getBoundingClientRect();
        if (box.left < strip.left || box.right > strip.right) tab.parentElement.scrollLeft += box.left - strip.left - 12;
      } else {
        tab.removeAttribute("aria-current");
      }
    });
  }
  document.addEventListener("click", function (e) {
    const tab = e.target instanceof Element && e.target.closest("[data-stage-tab]");
    const board = document.getElementById("board");
    const column = tab && document.getElementById("column-" + tab.dataset.stageTab);
    if (!column || !board) return;
    e.preventDefault();
    const left = board.scrollLeft + column.getBoundingClientRect().left - board.getBoundingClientRect().left;
    board.scrollTo({ left: left, behavior: "smooth" });
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    const board = document.getElementById("board");
    if (board) markTab(board);
  });
  let tabTimer = null;
  document.addEventListener("scroll", function (e) {
    if (!(e.target instanceof Element) || e.target.id !== "board") return;
    clearTimeout(tabTimer);
    tabTimer = setTimeout(function () { markTab(e.target); }, 60);
  }, true);

  // Back to a board the browser kept in memory (bfcache), or one htmx restored from its
  // history: it shows the deals as they were when the page was left, so fetch them afresh.
  function refreshBoard() {
    if (document.getElementById("board")) {
      htmx.ajax("GET", window.location.href, { target: "#board", swap: "outerHTML" });
    }
  }
  window.addEventListener("pageshow", function (e) { if (e.persisted) refreshBoard(); });
  document.body.addEventListener("htmx:historyRestore", refreshBoard);

  // Another user's change arrives through polling; never while a card is in the air.
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    const el = e.detail.elt;
    if (el && el.classList && el.classList.contains("poll") && (dragging || pending)) e.preventDefault();
  });
  // The poll, a move and a quick-add redraw columns: tell the server how many cards each
  // column shows, so cards loaded by scrolling stay.
  document.body.addEventListener("htmx:configRequest", function (e) {
    const el = e.detail.elt;
    if (!el || !el.closest) return;
    const board = document.getElementById("board");
    const redraws = el.classList.contains("poll") || el.closest(".quick-add") ||
      (board && board.contains(el) && e.detail.verb === "post");
    if (!redraws) return;
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
