// Admin Console enhancements. Every page works without this file: it adds
// copy buttons, confirmations before destructive actions, and the live
// preview on the customization page.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Copy buttons copy the text of the element they name.
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var el = document.getElementById(btn.getAttribute("data-copy"));
      if (!el) { return; }
      var details = el.closest("details");
      if (details) { details.open = true; }
      var done = function () {
        btn.textContent = "Copied";
        setTimeout(function () { btn.textContent = "Copy"; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(el.textContent).then(done);
      } else {
        var range = document.createRange();
        range.selectNodeContents(el);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        try { document.execCommand("copy"); done(); } catch (e) { /* selected for the admin to copy */ }
      }
    });
  });

  // Forms with data-confirm ask before they submit.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });

  // Live preview: inputs with data-preview-var set a CSS custom property on
  // the preview element; inputs with data-preview-text set its text.
  var preview = document.querySelector("[data-preview]");
  if (preview) {
    document.querySelectorAll("[data-preview-var]").forEach(function (input) {
      var apply = function () {
        if (/^#[0-9a-fA-F]{6}$/.test(input.value)) {
          preview.style.setProperty(input.getAttribute("data-preview-var"), input.value);
        }
      };
      input.addEventListener("input", apply);
      apply();
    });
    document.querySelectorAll("[data-preview-text]").forEach(function (input) {
      var target = preview.querySelector(input.getAttribute("data-preview-text"));
      var fallback = target ? target.textContent : "";
      var apply = function () { if (target) { target.textContent = input.value || fallback; } };
      input.addEventListener("input", apply);
      apply();
    });
    var logo = document.querySelector("[data-preview-logo]");
    if (logo && window.FileReader) {
      logo.addEventListener("change", function () {
        var img = preview.querySelector("img.logo");
        if (img && logo.files && logo.files[0]) {
          // A data: URL: the policy's img-src allows it, not blob: URLs.
          var reader = new FileReader();
          reader.onload = function () { img.src = reader.result; img.hidden = false; };
          reader.readAsDataURL(logo.files[0]);
        }
      });
    }
  }
});

// Colour pickers (customization page): the text field named by
// data-color-for holds the colour and works without script; its picker,
// hidden until now, edits the same value, and the preview follows.
document.addEventListener("DOMContentLoaded", function () {
  var hex = /^#[0-9a-fA-F]{6}$/;
  document.querySelectorAll("input[type=color][data-color-for]").forEach(function (picker) {
    var text = document.getElementById(picker.getAttribute("data-color-for"));
    if (!text) { return; }
    picker.hidden = false;
    picker.addEventListener("input", function () {
      text.value = picker.value;
      text.dispatchEvent(new Event("input"));
    });
    text.addEventListener("input", function () {
      if (hex.test(text.value)) { picker.value = text.value.toLowerCase(); }
    });
  });
});
