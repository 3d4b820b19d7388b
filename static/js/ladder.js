/* Labmate ladder game (사다리타기): draws each participant's way down the ladder, one after
 * another. The server renders the SVG with every path and puts each path's points and length
 * in it; this script only animates them (stroke-dashoffset), so without it the page shows the
 * final paths as they are. No inline styles (the CSP forbids them): SVG presentation
 * attributes and classes only. */
(function () {
  "use strict";

  var DURATION = 900; // milliseconds per path

  function reducedMotion() {
    return Boolean(
      window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches
    );
  }

  function setUp(svg) {
    var paths = Array.prototype.slice.call(svg.querySelectorAll("[data-ladder-path]"));
    var figure = svg.closest("figure") || svg.parentNode;
    var section = svg.closest("section") || document;
    var replay = figure.querySelector("[data-ladder-replay]");
    var run = 0;

    function row(path) {
      var id = path.getAttribute("data-participant");
      return section.querySelector('[data-ladder-row="' + id + '"]');
    }

    function lengthOf(path) {
      var length = Number(path.getAttribute("data-length"));
      return length > 0 ? length : 1;
    }

    function hide(path) {
      var length = lengthOf(path);
      path.setAttribute("stroke-dasharray", length + " " + length);
      path.setAttribute("stroke-dashoffset", String(length));
      path.classList.remove("is-active");
      var line = row(path);
      if (line) {
        line.classList.add("is-pending");
        line.classList.remove("is-active");
      }
    }

    function show(path) {
      path.removeAttribute("stroke-dasharray");
      path.removeAttribute("stroke-dashoffset");
      path.classList.remove("is-active");
      var line = row(path);
      if (line) {
        line.classList.remove("is-pending", "is-active");
      }
    }

    function finish() {
      paths.forEach(show);
      svg.classList.remove("is-running");
      svg.setAttribute("data-ladder-state", "done");
    }

    function step(index, current) {
      if (current !== run) {
        return;
      }
      if (index >= paths.length) {
        finish();
        return;
      }
      var path = paths[index];
      var length = lengthOf(path);
      var line = row(path);
      var started = null;
      path.classList.add("is-active");
      if (line) {
        line.classList.remove("is-pending");
        line.classList.add("is-active");
      }

      function frame(now) {
        if (current !== run) {
          return;
        }
        if (started === null) {
          started = now;
        }
        var progress = Math.min(1, (now - started) / DURATION);
        path.setAttribute("stroke-dashoffset", String(length * (1 - progress)));
        if (progress < 1) {
          window.requestAnimationFrame(frame);
          return;
        }
        show(path);
        step(index + 1, current);
      }

      window.requestAnimationFrame(frame);
    }

    function start() {
      run += 1;
      if (reducedMotion() || paths.length === 0) {
        finish();
        return;
      }
      paths.forEach(hide);
      svg.classList.add("is-running");
      svg.setAttribute("data-ladder-state", "running");
      step(0, run);
    }

    if (replay) {
      replay.hidden = false;
      replay.addEventListener("click", start);
    }
    start();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("svg[data-ladder]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
