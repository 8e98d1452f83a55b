/* Page-wide behaviour. The Content-Security-Policy allows no inline scripts or handlers, so
   small behaviours are declared with data attributes and wired here by event delegation:

   data-submit-on-change        a control whose change submits its form (filters)
   data-navigate-on-change      a <select> whose change opens the URL in its value
   data-select-on-click         an input whose text is selected on click (keys, feed URLs)
   data-check-all="selector"    a checkbox that ticks or unticks every box matching selector
   data-dismiss="selector"      a button that removes its closest ancestor matching selector
   data-clear="selector"        a button that empties the element matching selector
   data-copy-from="selector"    a button that copies that input's value to the clipboard,
                                then shows its data-copied-text
   data-reset-on-success        an htmx form that resets, and closes its <details>, once its
                                request succeeded
   data-menu-toggle             the phone layout's "Menu" button: opens and closes the main
                                menu (Escape or a click elsewhere closes it too)

   Success and info messages fade after a few seconds; errors stay until dismissed, so nobody
   misses why a change was refused. */
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

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el instanceof Element)) return;
    if (el.hasAttribute("data-submit-on-change") && el.form) {
      el.form.requestSubmit();
    } else if (el.hasAttribute("data-navigate-on-change") && el.value) {
      window.location.href = el.value;
    }
  });

  function setMenu(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.closest(".topbar").classList.toggle("menu-open", open);
  }
  document.addEventListener("keydown", function (event) {
    var button = document.querySelector("[data-menu-toggle][aria-expanded=true]");
    if (event.key === "Escape" && button) { setMenu(button, false); button.focus(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var toggle = target.closest("[data-menu-toggle]");
    if (toggle) {
      setMenu(toggle, toggle.getAttribute("aria-expanded") !== "true");
    } else if (!target.closest(".menu")) {
      document.querySelectorAll("[data-menu-toggle][aria-expanded=true]").forEach(function (b) { setMenu(b, false); });
    }
    var el = target.closest("[data-select-on-click]");
    if (el) el.select();
    el = target.closest("[data-check-all]");
    if (el) {
      document.querySelectorAll(el.getAttribute("data-check-all")).forEach(function (box) {
        if (box !== el) box.checked = el.checked;
      });
    }
    el = target.closest("[data-dismiss]");
    if (el) {
      var gone = el.closest(el.getAttribute("data-dismiss"));
      if (gone) gone.remove();
    }
    el = target.closest("[data-clear]");
    if (el) {
      var emptied = document.querySelector(el.getAttribute("data-clear"));
      if (emptied) emptied.innerHTML = "";
    }
    el = target.closest("[data-copy-from]");
    if (el) {
      var source = document.querySelector(el.getAttribute("data-copy-from"));
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.value).then(function () {
          el.textContent = el.getAttribute("data-copied-text") || el.textContent;
        });
      } else if (source) {
        source.select();  // no clipboard API (plain http): leave it selected to copy by hand
      }
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-reset-on-success")) return;
    if (!event.detail.successful) return;
    form.reset();
    var details = form.closest("details");
    if (details) details.open = false;
  });
})();
