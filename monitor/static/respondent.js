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
  /* The pages are sent with Cache-Control: no-store, which keeps them out of the back/forward
     cache, but some browsers keep such pages there anyway. A page left for that cache is hidden,
     and one restored from it is asked for again, so that Back after a quick exit shows what the
     server says now (a neutral page), never the survey as it was. */
  window.addEventListener("pagehide", function (event) {
    if (event.persisted) { document.documentElement.hidden = true; }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.documentElement.hidden = true;
      window.location.replace(window.location.href);
    }
  });
})();
