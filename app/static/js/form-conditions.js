/*
 * Parcours — document forms: conditional fields (show_if).
 *
 * A field marked [data-show-if="name"][data-show-if-values='["a"]'] shows only while the field
 * `name` holds one of the values; the server decides again which fields count.
 */
(function () {
  "use strict";

  var Parcours = window.Parcours = window.Parcours || {};

  function currentValues(form, name) {
    var values = [];
    var controls = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < controls.length; i += 1) {
      var control = controls[i];
      if ((control.type === "radio" || control.type === "checkbox") && !control.checked) {
        continue;
      }
      if (control.value) {
        values.push(control.value);
      }
    }
    return values;
  }

  function isShown(form, element) {
    var wanted = JSON.parse(element.getAttribute("data-show-if-values") || "[]");
    var name = element.getAttribute("data-show-if");
    var controller = form.querySelector('[data-field="' + name + '"]');
    if (controller && controller.hidden) {
      return false;
    }
    var values = currentValues(form, name);
    for (var i = 0; i < values.length; i += 1) {
      if (wanted.indexOf(values[i]) !== -1) {
        return true;
      }
    }
    return false;
  }

  function applyConditions(form) {
    var conditional = form.querySelectorAll("[data-show-if]");
    // Twice, so that a field depending on a field that just hid hides as well.
    for (var pass = 0; pass < 2; pass += 1) {
      for (var i = 0; i < conditional.length; i += 1) {
        conditional[i].hidden = !isShown(form, conditional[i]);
      }
    }
  }

  Parcours.applyConditions = applyConditions;
})();
