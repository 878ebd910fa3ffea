/* Every page: on logout, and on a finalised document's page, forget the copies of unsent typing
   that document pages keep on this device (app/static/js/forms.js): a shared tablet must not keep a
   family's answers. A form is sent once: its submit buttons are disabled after the first submission
   (a double click on « Finaliser » posts once). After a refused submission, the error summary takes
   the focus. */
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

  /* A finalised document's page names the document: its local copy, if a last change was typed
     just before « Finaliser » (or while a save was on its way), has nothing left to keep. */
  function forgetFinalised() {
    var pages = document.querySelectorAll("[data-forget-draft]");
    for (var i = 0; i < pages.length; i += 1) {
      try {
        window.localStorage.removeItem(PREFIX + pages[i].getAttribute("data-forget-draft"));
      } catch (error) {
        // Storage disabled: nothing was kept.
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", forgetFinalised);
  } else {
    forgetFinalised();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form.logout")) {
      forgetDrafts();
    }
    if (event.defaultPrevented) {
      return; // not sent now (a draft save is on its way: forms.js sends the form after it)
    }
    if (form.hasAttribute("data-sending")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sending", "");
    // Disabled only after this event: a disabled button would not send its own name and value.
    window.setTimeout(function () {
      var buttons = form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
      for (var i = 0; i < buttons.length; i += 1) {
        buttons[i].disabled = true;
        buttons[i].setAttribute("aria-disabled", "true");
      }
    }, 0);
  });

  // Back to a page kept in the browser's cache: its forms can be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    var sent = document.querySelectorAll("form[data-sending]");
    for (var i = 0; i < sent.length; i += 1) {
      sent[i].removeAttribute("data-sending");
      var buttons = sent[i].querySelectorAll("[aria-disabled=true]");
      for (var j = 0; j < buttons.length; j += 1) {
        buttons[j].disabled = false;
        buttons[j].removeAttribute("aria-disabled");
      }
    }
  });

  function focusErrors() {
    var summary = document.querySelector(".error-summary[tabindex='-1']");
    if (summary) {
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrors);
  } else {
    focusErrors();
  }
})();
