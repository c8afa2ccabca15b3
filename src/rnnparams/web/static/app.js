/* The page itself is JavaScript modules (main.js and the modules it imports), loaded with
 * <script type="module">. This classic script is what a browser without modules still runs: it says so,
 * instead of leaving a calculator that never answers. */
"use strict";

(() => {
  if ("noModule" in document.createElement("script")) return;
  document.getElementById("page-problem").hidden = false;
  document.getElementById("no-modules").hidden = false;
})();
