/* Buttons marked data-print print the page (the referral sheet). A static file: the
   Content-Security-Policy allows no inline onclick handlers. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
