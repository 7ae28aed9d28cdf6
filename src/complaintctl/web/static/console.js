// The staff console's one script (a static file: the CSP allows no inline script). It counts
// down a complaint's deadline on its page between refreshes; without it the page still says
// the time left when it was served.
(function () {
  "use strict";
  var clocks = document.querySelectorAll("[data-seconds-left]");
  if (!clocks.length) { return; }
  var started = Date.now();
  function shown(seconds) {
    var days = Math.floor(seconds / 86400), hours = Math.floor((seconds % 86400) / 3600),
        minutes = Math.floor((seconds % 3600) / 60);
    if (days) { return days + "d " + hours + "h"; }
    if (hours) { return hours + "h " + minutes + "m"; }
    return minutes + "m";
  }
  function tick() {
    var gone = Math.floor((Date.now() - started) / 1000);
    clocks.forEach(function (el) {
      var left = parseInt(el.getAttribute("data-seconds-left"), 10) - gone;
      var text = el.getAttribute("data-template") || el.textContent;
      if (!el.getAttribute("data-template")) {
        el.setAttribute("data-template", text.replace(shown(left + gone), "{time}"));
        text = el.getAttribute("data-template");
      }
      if (left > 0 && text.indexOf("{time}") >= 0) { el.textContent = text.replace("{time}", shown(left)); }
    });
  }
  window.setInterval(tick, 30000);
}());
