/* On logout, forget the copies of unsent typing that document pages keep on this device
   (app/static/js/forms.js): a shared tablet must not keep a family's answers. */
(function () {
  "use strict";
  var PREFIX = "parcours-brouillon:";

  function forgetDrafts() {
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i -= 1) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(PREFIX) === 0) {
          window.localStorage.removeItem(key);
        }
      }
    } catch (error) {
      // Storage disabled: nothing was kept.
    }
  }

  document.addEventListener("submit", function (event) {
    if (event.target.matches("form.logout")) {
      forgetDrafts();
    }
  });
})();
