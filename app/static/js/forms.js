/*
 * Parcours — document forms, the wiring: a warning before leaving with unsaved changes, and the
 * events that drive the conditions (form-conditions.js), the rows (form-rows.js) and the autosave
 * of drafts (form-draft.js), which load before this file.
 *
 * Everything here is an enhancement: without JavaScript the buttons post the form, the server
 * adds and removes rows, and it decides which conditional fields count.
 *
 * Markup it reads (templates/documents/edit.html and _fields.html):
 *   <form data-autosave="URL" data-document="ID" data-saved-at="ms"
 *         data-draft-key="URL">                                     the draft form; URL of its key
 *   <input name="lock_version">                                     optimistic-lock version
 *   [data-save-status]                                              aria-live status text
 *   [data-show-if="name"][data-show-if-values='["a"]']              conditional field
 *   [data-group] > [data-row], [data-add-row], [data-remove-row]     repeatable rows
 */
(function () {
  "use strict";

  var Parcours = window.Parcours;

  // A field just above the sticky save bar may be focused without the browser scrolling (it is
  // "in view"), its last lines under the bar: lift it, keeping its first line on screen.
  function revealAboveBar(form, field) {
    var bar = form.querySelector(".form-actions");
    if (!bar || bar.contains(field) || !field.getBoundingClientRect) {
      return;
    }
    var r = field.getBoundingClientRect();
    var top = bar.getBoundingClientRect().top;
    var overlap = r.bottom - top + 8;
    if (overlap > 0 && r.top < top) {
      window.scrollBy({top: Math.min(overlap, Math.max(r.top - 8, 0)), behavior: "instant"});
    }
  }

  function setUp(form) {
    var draft = form.hasAttribute("data-autosave") ? new Parcours.Draft(form) : null;
    var unsaved = false;
    var hints = form.querySelectorAll("[data-condition-hint]");
    for (var i = 0; i < hints.length; i += 1) {
      hints[i].hidden = true; // the browser shows and hides the fields itself
    }
    Parcours.applyConditions(form);
    if (draft) {
      draft.restore().then(function (restored) {
        if (restored) {
          unsaved = true;
          Parcours.applyConditions(form);
          draft.changed();
        }
      });
    }

    function onEdit() {
      unsaved = true;
      Parcours.applyConditions(form);
      if (draft) {
        draft.changed();
      }
    }
    form.addEventListener("focusin", function (event) { revealAboveBar(form, event.target); });
    form.addEventListener("input", onEdit);
    form.addEventListener("change", onEdit);
    form.addEventListener("click", function (event) {
      var add = event.target.closest("[data-add-row]");
      var remove = event.target.closest("[data-remove-row]");
      var handled = false;
      if (add) {
        handled = Parcours.addRow(add.closest("[data-group]"), form);
      } else if (remove) {
        handled = Parcours.removeRow(remove, form);
      }
      if (handled) {
        event.preventDefault();
        onEdit();
      }
    });
    form.addEventListener("submit", function (event) {
      if (draft && draft.inFlight) {
        // Wait for the autosave on its way: it brings the new lock version this submit needs.
        event.preventDefault();
        draft.afterFlight = function () { form.requestSubmit(event.submitter); };
        return;
      }
      unsaved = false;
      if (draft) {
        window.clearTimeout(draft.timer);
        draft.stopped = true;
      }
    });
    window.addEventListener("online", function () {
      if (draft && draft.dirty && !draft.stopped) {
        draft.send();
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (unsaved && (!draft || draft.dirty || draft.inFlight)) {
        event.preventDefault();
        event.returnValue = Parcours.MESSAGES.leave;
        return Parcours.MESSAGES.leave;
      }
      return undefined;
    });
  }

  function init() {
    var forms = document.querySelectorAll("form.document-form");
    for (var i = 0; i < forms.length; i += 1) {
      setUp(forms[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
