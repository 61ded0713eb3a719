// Glue between the vendored widget manager and this book; loaded after require.js and before
// @jupyter-widgets/html-manager's embed-amd.js on pages with widgets (see _config.yml).
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;

  // 1. The widget manager finds its assets (icon fonts) relative to its AMD module name;
  //    map that name to the vendored copy beside this file, so they load from the book
  //    (not when the book uses the CDN copies: book/_ext/tscam_book.py then sets data-cdn).
  var cdn = document.currentScript && document.currentScript.getAttribute("data-cdn");
  if (here && !cdn && window.require && window.require.config) {
    window.require.config({
      paths: {
        "@jupyter-widgets/html-manager/dist": new URL("vendor/html-manager", here).href,
      },
    });
  }

  // 2. The widget manager typesets labels with the MathJax 2 API (MathJax.Hub.Queue), but the
  //    book loads MathJax 3, which has no Hub: forward such calls to MathJax 3.
  function typeset(element) {
    var mj = window.MathJax;
    var ready = mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
    ready
      .then(function () {
        return mj.typesetPromise ? mj.typesetPromise(element ? [element] : undefined) : null;
      })
      .catch(function () {});
  }
  function install() {
    var mj = window.MathJax;
    if (!mj || mj.Hub) return;
    mj.Hub = {
      Queue: function () {
        for (var i = 0; i < arguments.length; i++) {
          var job = arguments[i];
          if (Array.isArray(job) && job[0] === "Typeset") typeset(job[2]);
          else if (typeof job === "function") job();
        }
      },
    };
  }
  install();
  document.addEventListener("DOMContentLoaded", install);
})();
