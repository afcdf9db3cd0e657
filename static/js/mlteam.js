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
})();
