/*
 * Parcours — document forms: repeatable rows of a group.
 *
 * [data-group] > [data-row], [data-add-row], [data-remove-row]; without JavaScript the buttons post
 * the form and the server adds or removes the row.
 */
(function () {
  "use strict";

  var Parcours = window.Parcours = window.Parcours || {};

  function renumber(row, group, index) {
    var pattern = new RegExp("^" + group + "-\\d+-");
    var replacement = group + "-" + index + "-";
    var attributes = ["name", "id", "for", "data-field", "aria-describedby", "data-show-if"];
    var elements = row.querySelectorAll("*");
    for (var i = 0; i < elements.length; i += 1) {
      if (elements[i].hasAttribute("data-remove-row")) {
        elements[i].value = group + "-" + index;
      }
      for (var j = 0; j < attributes.length; j += 1) {
        var attribute = attributes[j];
        var value = elements[i].getAttribute(attribute);
        if (value === null) {
          continue;
        }
        var parts = value.split(" ");
        for (var k = 0; k < parts.length; k += 1) {
          parts[k] = parts[k].replace(pattern, replacement);
        }
        elements[i].setAttribute(attribute, parts.join(" "));
      }
    }
  }

  function clearRow(row) {
    var controls = row.querySelectorAll("input, select, textarea");
    for (var i = 0; i < controls.length; i += 1) {
      var control = controls[i];
      if (control.type === "radio" || control.type === "checkbox") {
        control.checked = false;
      } else if (control.tagName === "SELECT") {
        control.selectedIndex = 0;
      } else {
        control.value = "";
      }
      control.removeAttribute("aria-invalid");
    }
    var stale = row.querySelectorAll(".error, .conflict, .signature-preview");
    for (var j = 0; j < stale.length; j += 1) {
      stale[j].parentNode.removeChild(stale[j]);
    }
  }

  function addRow(group, form) {
    var rows = group.querySelectorAll("[data-row]");
    var max = parseInt(group.getAttribute("data-max-items"), 10) || 50;
    if (!rows.length || rows.length >= max) {
      return false;
    }
    var name = group.getAttribute("data-group");
    var next = 0;
    for (var i = 0; i < rows.length; i += 1) {
      var field = rows[i].querySelector("[name^='" + name + "-']");
      var match = field ? field.getAttribute("name").match(/-(\d+)-/) : null;
      if (match) {
        next = Math.max(next, parseInt(match[1], 10) + 1);
      }
    }
    var copy = rows[rows.length - 1].cloneNode(true);
    renumber(copy, name, next);
    clearRow(copy);
    var legend = copy.querySelector("legend");
    if (legend) {
      legend.textContent = legend.textContent.replace(/\d+\s*$/, String(rows.length + 1));
    }
    rows[rows.length - 1].parentNode.insertBefore(copy, rows[rows.length - 1].nextSibling);
    if (window.ParcoursSignature) {
      window.ParcoursSignature.init(copy);
    }
    Parcours.applyConditions(form);
    var first = copy.querySelector("input:not([type=hidden]), select, textarea");
    if (first) {
      first.focus();
    }
    return true;
  }

  function removeRow(button, form) {
    var row = button.closest("[data-row]");
    var group = button.closest("[data-group]");
    if (!row || !group) {
      return false;
    }
    if (group.querySelectorAll("[data-row]").length > 1) {
      row.parentNode.removeChild(row);
    } else {
      clearRow(row);
    }
    var add = group.querySelector("[data-add-row]");
    if (add) {
      add.focus();
    }
    Parcours.applyConditions(form);
    return true;
  }

  Parcours.addRow = addRow;
  Parcours.removeRow = removeRow;
})();
