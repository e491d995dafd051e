/* Respondent pages: the only script, and nothing needs it. Quick exit already works as a plain
   link (/r/exit ends the session on the server and redirects); with JavaScript it also ends the
   session in the background and replaces this page in the history, so Back does not return. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.quick-exit") : null;
    if (!link || !window.fetch) { return; }
    var target = link.getAttribute("data-exit-to");
    if (!target) { return; }
    event.preventDefault();
    try {
      fetch(link.href, { credentials: "same-origin", keepalive: true, redirect: "manual", cache: "no-store" });
    } catch (e) { /* the server also ends idle sessions */ }
    window.location.replace(target);
  });
})();
