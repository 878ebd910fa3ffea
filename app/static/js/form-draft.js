/*
 * Parcours — document forms: autosave of drafts and the local copy kept while offline.
 *
 * <form data-autosave="URL" data-document="ID" data-saved-at="ms" data-draft-key="URL">,
 * <input name="lock_version"> (optimistic lock) and [data-save-status] (aria-live status text).
 *
 * The local copy is encrypted (AES-GCM, WebCrypto) with a key the server gives only to the
 * logged-in user; the key stays in this page's memory. After logout or expiry the copy cannot be
 * read until the same user logs in again; without the key nothing is kept on the device.
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

  /* ---- the key of local copies ---------------------------------------------------------------- */

  function fromBase64(text) {
    var binary = window.atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes;
  }

  function toBase64(bytes) {
    var binary = "";
    var view = new Uint8Array(bytes);
    for (var i = 0; i < view.length; i += 1) {
      binary += String.fromCharCode(view[i]);
    }
    return window.btoa(binary);
  }

  /* A promise of {key, user}, or of null when the server gives no key (logged out, no WebCrypto). */
  function fetchKey(url) {
    if (!url || !window.crypto || !window.crypto.subtle) {
      return Promise.resolve(null);
    }
    return window.fetch(url, {
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data || !data.key) {
        return null;
      }
      return window.crypto.subtle.importKey("raw", fromBase64(data.key), "AES-GCM", false, ["encrypt", "decrypt"])
        .then(function (key) { return { key: key, user: String(data.user) }; });
    }).catch(function () {
      return null;
    });
  }

  function Draft(form) {
    this.form = form;
    this.keyPromise = fetchKey(form.getAttribute("data-draft-key"));
    this.writes = 0;
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
    this.forgotten = 0;
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

  /* The document and the user are bound to the ciphertext: a copy moved elsewhere does not open. */
  Draft.prototype.associated = function (user) {
    return new TextEncoder().encode("parcours-brouillon/" + this.documentId + "/" + user);
  };

  Draft.prototype.keepLocally = function () {
    if (!this.documentId) {
      return;
    }
    var draft = this;
    var storageKey = this.key();
    var at = Date.now();
    var plain = new TextEncoder().encode(JSON.stringify(this.fields()));
    var write = (this.writes += 1);
    this.keyPromise.then(function (secret) {
      if (!secret) {
        return null; // no key: nothing is kept in clear on this device
      }
      var iv = window.crypto.getRandomValues(new Uint8Array(12));
      return window.crypto.subtle.encrypt(
        { name: "AES-GCM", iv: iv, additionalData: draft.associated(secret.user) }, secret.key, plain
      ).then(function (sealed) {
        if (write !== draft.writes || draft.forgotten > at) {
          return; // a newer copy, or the server's acknowledgement, came first
        }
        window.localStorage.setItem(storageKey, JSON.stringify({ v: 1, at: at, iv: toBase64(iv), data: toBase64(sealed) }));
      });
    }).catch(function () {
      // Storage full or disabled: the server copy and the warning before leaving remain.
    });
  };

  Draft.prototype.forgetLocally = function (key) {
    this.forgotten = Date.now();
    try {
      window.localStorage.removeItem(key || this.key());
    } catch (error) {
      // Nothing stored.
    }
  };

  /* The fields of the local copy, or null (none, older than the server's, or not this user's key). */
  Draft.prototype.readLocal = function () {
    var draft = this;
    var stored = null;
    try {
      stored = JSON.parse(window.localStorage.getItem(this.key()) || "null");
    } catch (error) {
      stored = null;
    }
    if (stored && stored.at <= this.savedAt) {
      this.forgetLocally(); // the server has a newer copy: this one has nothing left to give back
    }
    if (!stored || stored.v !== 1 || stored.at <= this.savedAt) {
      return Promise.resolve(null);
    }
    return this.keyPromise.then(function (secret) {
      if (!secret) {
        return null;
      }
      return window.crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64(stored.iv), additionalData: draft.associated(secret.user) },
        secret.key,
        fromBase64(stored.data)
      ).then(function (plain) {
        return JSON.parse(new TextDecoder().decode(plain));
      });
    }).catch(function () {
      return null;
    });
  };

  /* Put back values typed on this device and not yet received by the server (a promise of true
     when something was restored). */
  Draft.prototype.restore = function () {
    var draft = this;
    return this.readLocal().then(function (fields) {
      return fields ? draft.apply(fields) : false;
    });
  };

  Draft.prototype.apply = function (fields) {
    var byName = {};
    this.fitRows(fields).forEach(function (pair) {
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
