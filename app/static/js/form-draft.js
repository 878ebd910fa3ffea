/*
 * Parcours — document forms: autosave of drafts and the local copy kept while offline.
 *
 * <form data-autosave="URL" data-document="ID" data-saved-at="ms">, <input name="lock_version">
 * (optimistic lock) and [data-save-status] (aria-live status text).
 */
(function () {
  "use strict";

  var Parcours = window.Parcours = window.Parcours || {};

  Parcours.MESSAGES = {
    saving: "Enregistrement du brouillon…",
    saved: function (when) { return "Brouillon enregistré à " + when; },
    offline: "Connexion perdue : vos saisies sont gardées sur cet appareil et seront envoyées dès le retour du réseau.",
    conflict: "Ce document a été modifié par quelqu'un d'autre entre-temps. Vos saisies sont gardées sur cet appareil : " +
      "cliquez sur « Enregistrer le brouillon » pour comparer les deux versions.",
    invalid: "Brouillon non enregistré : une valeur n'est pas valide. Cliquez sur « Enregistrer le brouillon » pour voir laquelle.",
    locked: "Ce document est finalisé : il ne peut plus être modifié.",
    expired: "Votre session a expiré. Vos saisies sont gardées sur cet appareil : reconnectez-vous " +
      "(dans un autre onglet), puis rechargez cette page pour les retrouver et les enregistrer.",
    restored: "Des saisies faites sur cet appareil et pas encore envoyées ont été restaurées.",
    leave: "Des modifications ne sont pas enregistrées."
  };

  var DEBOUNCE_MS = 1500;
  var STORAGE_PREFIX = "parcours-brouillon:";
  var MESSAGES = Parcours.MESSAGES;

  function frenchTime(date) {
    var minutes = String(date.getMinutes());
    return date.getHours() + " h " + (minutes.length < 2 ? "0" + minutes : minutes);
  }

  function Draft(form) {
    this.form = form;
    this.url = form.getAttribute("data-autosave");
    this.documentId = form.getAttribute("data-document");
    this.savedAt = parseInt(form.getAttribute("data-saved-at"), 10) || 0;
    this.status = form.querySelector("[data-save-status]");
    this.lock = form.querySelector('input[name="lock_version"]');
    this.csrf = form.querySelector('input[name="csrf_token"]');
    this.timer = null;
    this.inFlight = false;
    this.dirty = false;
    this.stopped = false;
    this.afterFlight = null;
  }

  /* One local copy per document: a reload during a save must still find it. */
  Draft.prototype.key = function () {
    return STORAGE_PREFIX + this.documentId;
  };

  Draft.prototype.say = function (text) {
    if (this.status) {
      this.status.textContent = text;
    }
  };

  Draft.prototype.fields = function () {
    var pairs = [];
    new FormData(this.form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrf_token" && name !== "lock_version") {
        pairs.push([name, value]);
      }
    });
    return pairs;
  };

  Draft.prototype.keepLocally = function () {
    if (!this.documentId) {
      return;
    }
    try {
      window.localStorage.setItem(this.key(), JSON.stringify({ at: Date.now(), fields: this.fields() }));
    } catch (error) {
      // Storage full or disabled: the server copy and the warning before leaving remain.
    }
  };

  Draft.prototype.forgetLocally = function (key) {
    try {
      window.localStorage.removeItem(key || this.key());
    } catch (error) {
      // Nothing stored.
    }
  };

  /* Put back values typed on this device and not yet received by the server. */
  Draft.prototype.restore = function () {
    var stored = null;
    try {
      stored = JSON.parse(window.localStorage.getItem(this.key()) || "null");
    } catch (error) {
      stored = null;
    }
    if (!stored || !stored.fields || stored.at <= this.savedAt) {
      return false;
    }
    var byName = {};
    this.fitRows(stored.fields).forEach(function (pair) {
      (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]);
    });
    var controls = this.form.querySelectorAll("input[name], select[name], textarea[name]");
    for (var i = 0; i < controls.length; i += 1) {
      var control = controls[i];
      var values = byName[control.name] || [];
      if (control.name === "csrf_token" || control.name === "lock_version") {
        continue;
      }
      if (control.type === "radio" || control.type === "checkbox") {
        control.checked = values.indexOf(control.value) !== -1;
      } else if (control.type !== "submit" && control.type !== "button") {
        control.value = values.length ? values[0] : "";
      }
    }
    this.say(MESSAGES.restored);
    return true;
  };

  /* Rows added on this device before a reload: number them 0, 1, 2… and add the missing rows. */
  Draft.prototype.fitRows = function (pairs) {
    var form = this.form;
    var groups = form.querySelectorAll("[data-group]");
    for (var g = 0; g < groups.length; g += 1) {
      var name = groups[g].getAttribute("data-group");
      var pattern = new RegExp("^" + name + "-(\\d+)-");
      var indices = [];
      pairs.forEach(function (pair) {
        var match = pair[0].match(pattern);
        if (match && indices.indexOf(parseInt(match[1], 10)) === -1) {
          indices.push(parseInt(match[1], 10));
        }
      });
      indices.sort(function (a, b) { return a - b; });
      pairs = pairs.map(function (pair) {
        var match = pair[0].match(pattern);
        if (!match) {
          return pair;
        }
        return [pair[0].replace(pattern, name + "-" + indices.indexOf(parseInt(match[1], 10)) + "-"), pair[1]];
      });
      while (groups[g].querySelectorAll("[data-row]").length < indices.length && Parcours.addRow(groups[g], form)) {
        // one more row
      }
    }
    return pairs;
  };

  Draft.prototype.changed = function () {
    this.dirty = true;
    this.keepLocally();
    if (this.stopped) {
      return;
    }
    var draft = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { draft.send(); }, DEBOUNCE_MS);
  };

  Draft.prototype.send = function () {
    if (this.inFlight || this.stopped || !this.dirty) {
      return;
    }
    var draft = this;
    var sentKey = this.key();
    var body = new FormData(this.form);
    this.inFlight = true;
    this.dirty = false;
    this.say(MESSAGES.saving);
    window.fetch(this.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": this.csrf ? this.csrf.value : "" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        draft.received(response.status, data, sentKey);
      });
    }).catch(function () {
      draft.dirty = true;
      draft.say(MESSAGES.offline);
    }).then(function () {
      draft.inFlight = false;
      if (draft.afterFlight) {
        var submit = draft.afterFlight;
        draft.afterFlight = null;
        submit();
        return;
      }
      if (draft.dirty && !draft.stopped && navigator.onLine !== false) {
        draft.changed();
      }
    });
  };

  Draft.prototype.received = function (status, data, sentKey) {
    if (status === 200 && data.status === "saved") {
      this.forgetLocally(sentKey);
      if (this.lock) {
        this.lock.value = String(data.lock_version);
      }
      this.savedAt = Date.now();
      if (this.dirty) {
        this.keepLocally(); // typed while the request was on its way
      }
      this.say(MESSAGES.saved(frenchTime(new Date())));
    } else if (status === 409) {
      this.stopped = true;
      this.dirty = true;
      this.say(data.status === "locked" ? MESSAGES.locked : MESSAGES.conflict);
    } else if (status === 401 || status === 400) {
      // Logged out (idle timeout) or the page's form token no longer matches the session.
      this.stopped = true;
      this.dirty = true;
      this.keepLocally();
      this.say(MESSAGES.expired);
    } else if (status === 422) {
      // One value is not valid yet: keep the local copy and try again at the next change.
      this.dirty = false;
      this.keepLocally();
      this.say(MESSAGES.invalid);
    } else {
      this.dirty = true;
      this.say(MESSAGES.offline);
    }
  };


  Parcours.Draft = Draft;
})();
