/*
 * Parcours — drawn signatures.
 *
 * Binds every `[data-signature]` wrapper:
 *   <div class="signature-field" data-signature>
 *     <canvas aria-label="…"></canvas>
 *     <input type="hidden" name="<field>-image">
 *     <button type="button" data-signature-clear>Effacer</button>
 *   </div>
 * Pointer events cover mouse, finger and stylus; the canvas is sized for the screen's pixel
 * density. At the end of every stroke the drawing is written to the hidden input as a PNG data
 * URL (opaque white background, so any PDF renderer shows it) and `input`/`change` events are
 * fired so that draft saving notices it. Keyboard users sign on paper and record the date in the
 * alternative field rendered next to the pad. Without JavaScript the pad stays hidden (CSS).
 */
(function () {
  "use strict";

  var MAX_DENSITY = 2; // enough for print, keeps the PNG small
  var INK = "#1b1b1f";
  var LINE_WIDTH = 2.2; // CSS pixels

  function density() {
    return Math.min(window.devicePixelRatio || 1, MAX_DENSITY);
  }

  function notify(input) {
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function SignaturePad(wrapper) {
    this.wrapper = wrapper;
    this.canvas = wrapper.querySelector("canvas");
    this.input = wrapper.querySelector('input[type="hidden"][name$="-image"]');
    this.clearButton = wrapper.querySelector("[data-signature-clear]");
    this.context = this.canvas.getContext("2d");
    this.drawing = false;
    this.last = null;
  }

  SignaturePad.prototype.bind = function () {
    var pad = this;
    this.canvas.classList.add("signature-canvas");
    if (!this.canvas.hasAttribute("role")) {
      this.canvas.setAttribute("role", "img");
    }
    this.resize();
    this.canvas.addEventListener("pointerdown", function (event) { pad.start(event); });
    this.canvas.addEventListener("pointermove", function (event) { pad.move(event); });
    this.canvas.addEventListener("pointerup", function (event) { pad.end(event); });
    this.canvas.addEventListener("pointercancel", function (event) { pad.end(event); });
    if (this.clearButton) {
      if (this.clearButton.tagName === "BUTTON") {
        this.clearButton.type = "button"; // never submits the form
      }
      this.clearButton.addEventListener("click", function () { pad.clear(); });
    }
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(function () { pad.resize(); }).observe(this.canvas);
    } else {
      window.addEventListener("resize", function () { pad.resize(); });
    }
    this.wrapper.classList.add("signature-ready");
  };

  /* Size the drawing buffer to the displayed size × density, keeping what was drawn. */
  SignaturePad.prototype.resize = function () {
    var rect = this.canvas.getBoundingClientRect();
    if (!rect.width || !rect.height) {
      return; // hidden (e.g. a conditional field): sized when it shows
    }
    var ratio = density();
    var width = Math.max(1, Math.round(rect.width * ratio));
    var height = Math.max(1, Math.round(rect.height * ratio));
    if (this.canvas.width === width && this.canvas.height === height) {
      return;
    }
    this.canvas.width = width;
    this.canvas.height = height;
    this.context.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.paintBackground();
    this.restore();
  };

  SignaturePad.prototype.paintBackground = function () {
    var context = this.context;
    context.save();
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    context.restore();
  };

  /* Show a signature saved earlier (a draft being resumed, or a resize). */
  SignaturePad.prototype.restore = function () {
    var value = this.input ? this.input.value : "";
    if (value.indexOf("data:image/png;base64,") !== 0) {
      return;
    }
    var pad = this;
    var image = new Image();
    image.onload = function () {
      var rect = pad.canvas.getBoundingClientRect();
      pad.context.drawImage(image, 0, 0, rect.width, rect.height);
    };
    image.src = value;
  };

  SignaturePad.prototype.point = function (event) {
    var rect = this.canvas.getBoundingClientRect();
    var pressure = event.pointerType === "pen" && event.pressure > 0 ? event.pressure : 0.5;
    return { x: event.clientX - rect.left, y: event.clientY - rect.top, width: LINE_WIDTH * (0.6 + pressure * 0.8) };
  };

  SignaturePad.prototype.start = function (event) {
    if (event.pointerType === "mouse" && event.button !== 0) {
      return;
    }
    event.preventDefault();
    this.resize();
    this.canvas.setPointerCapture(event.pointerId);
    this.drawing = true;
    this.last = this.point(event);
    this.dot(this.last);
  };

  SignaturePad.prototype.move = function (event) {
    if (!this.drawing) {
      return;
    }
    event.preventDefault();
    var events = typeof event.getCoalescedEvents === "function" ? event.getCoalescedEvents() : [];
    if (!events.length) {
      events = [event];
    }
    for (var i = 0; i < events.length; i += 1) {
      var next = this.point(events[i]);
      this.segment(this.last, next);
      this.last = next;
    }
  };

  SignaturePad.prototype.end = function (event) {
    if (!this.drawing) {
      return;
    }
    this.drawing = false;
    this.last = null;
    if (this.canvas.hasPointerCapture(event.pointerId)) {
      this.canvas.releasePointerCapture(event.pointerId);
    }
    this.save();
  };

  SignaturePad.prototype.dot = function (at) {
    var context = this.context;
    context.fillStyle = INK;
    context.beginPath();
    context.arc(at.x, at.y, at.width / 2, 0, Math.PI * 2);
    context.fill();
  };

  SignaturePad.prototype.segment = function (from, to) {
    var context = this.context;
    context.strokeStyle = INK;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.lineWidth = (from.width + to.width) / 2;
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
  };

  SignaturePad.prototype.save = function () {
    if (!this.input) {
      return;
    }
    this.input.value = this.canvas.toDataURL("image/png");
    this.wrapper.classList.add("signature-signed");
    notify(this.input);
  };

  SignaturePad.prototype.clear = function () {
    this.paintBackground();
    this.wrapper.classList.remove("signature-signed");
    if (this.input) {
      this.input.value = "";
      notify(this.input);
    }
  };

  function init(root) {
    var wrappers = (root || document).querySelectorAll("[data-signature]");
    for (var i = 0; i < wrappers.length; i += 1) {
      var wrapper = wrappers[i];
      if (wrapper.signaturePad || !wrapper.querySelector("canvas") || !window.PointerEvent) {
        continue;
      }
      wrapper.signaturePad = new SignaturePad(wrapper);
      wrapper.signaturePad.bind();
    }
  }

  window.ParcoursSignature = { init: init };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
