/* Changing the language in the header's menu submits its form at once (without JavaScript the
   <noscript> button does). A static file: the Content-Security-Policy allows no inline code. */
(function () {
  "use strict";
  var select = document.getElementById("language-select");
  if (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  }
})();
