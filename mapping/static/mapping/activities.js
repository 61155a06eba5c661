/* The activity form: show only the inputs of the chosen repeat and place options (without
   JavaScript every input stays visible and the server ignores the ones not chosen). */
(function () {
  "use strict";
  const form = document.querySelector(".activity-form");
  if (!form) return;
  const groups = form.querySelectorAll(".activity-choice[data-shown-for]");
  function update() {
    groups.forEach((group) => {
      const chosen = form.querySelector(`input[name="${group.dataset.shownFor}"]:checked`);
      const values = group.dataset.values.split(" ");
      group.hidden = !(chosen && values.includes(chosen.value));
    });
  }
  form.addEventListener("change", update);
  update();
})();
