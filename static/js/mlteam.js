// mlteam's only script besides htmx. No inline handlers anywhere: behaviour is attached here,
// so pages work under `script-src 'self'`.
(function () {
  "use strict";

  function showMessage(text, level) {
    var region = document.getElementById("messages");
    if (!region) return;
    var div = document.createElement("div");
    div.className = "message message-" + (level || "error");
    div.setAttribute("role", "alert");
    div.textContent = text;
    region.appendChild(div);
  }

  // htmx does not swap 4xx/5xx answers; say something instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = "The server refused the request (" + xhr.status + ").";
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.detail) text = body.detail;
    } catch (e) { /* not JSON: keep the generic text */ }
    showMessage(text, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    showMessage("The server could not be reached. Check your connection and try again.", "error");
  });

  // Messages delivered in an HTMX response (out-of-band) stay until the next swap.
  document.addEventListener("htmx:beforeSwap", function () {
    var region = document.getElementById("messages");
    if (region) region.replaceChildren();
  });

  // <button data-confirm="..."> asks before submitting (instead of an inline onclick).
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  // Focus after an htmx swap, so keyboard and screen-reader users are not left on a control that
  // no longer exists. Typing in a filter keeps focus where it is (its control is still there);
  // otherwise focus moves to what changed: an error first, then a form that was opened, the
  // same control in the new content (a sort header or page link), what the template marks with
  // data-focus-after-swap, a status message, the region's heading, or the region itself.
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]";

  function focusOn(el) {
    if (!el) return false;
    if (!el.matches(FOCUSABLE)) el.setAttribute("tabindex", "-1");
    el.focus();
    return document.activeElement === el;
  }

  function sameControl(region, old) {
    if (!old || !old.tagName) return null;
    var text = (old.textContent || "").trim();
    if (!text) return null;
    var candidates = region.querySelectorAll(old.tagName);
    for (var i = 0; i < candidates.length; i++) {
      if ((candidates[i].textContent || "").trim() === text) return candidates[i];
    }
    return null;
  }

  function focusAfterSwap(detail) {
    if (detail.mlteamFocused) return;  // one response settles several elements (out-of-band too)
    detail.mlteamFocused = true;
    var config = detail.requestConfig || {};
    var trigger = config.elt;
    var active = document.activeElement;
    if (trigger && trigger.isConnected && active && active !== document.body && active.isConnected) return;
    var target = detail.target;
    var region = target && !target.isConnected && target.id ? document.getElementById(target.id) : target;
    if (!region || !region.isConnected) return;
    if (region.id === "messages") return;
    var isGet = (config.verb || "get").toLowerCase() === "get";
    var error = region.querySelector("[aria-invalid=true], .field-error, .errorlist, [role=alert]");
    if (error) {
      var field = error.matches("input, select, textarea") ? error : null;
      if (focusOn(field || error)) return;
    }
    if (isGet) {
      var opened = region.querySelector("form textarea, form input:not([type=hidden]), form select");
      if (opened && focusOn(opened)) return;
      if (focusOn(sameControl(region, trigger))) return;
    }
    if (focusOn(region.querySelector("[data-focus-after-swap]"))) return;
    if (focusOn(region.querySelector("[role=status]:not(:empty)"))) return;
    if (focusOn(region.querySelector("h1, h2, h3"))) return;
    focusOn(region);
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    focusAfterSwap(event.detail);
  });

  // Without support for ::details-content the menu would stay folded on a wide screen: open it.
  var menu = document.getElementById("site-menu");
  if (menu && window.CSS && CSS.supports && !CSS.supports("selector(::details-content)") &&
      window.matchMedia("(min-width: 861px)").matches) {
    menu.open = true;
  }
})();
