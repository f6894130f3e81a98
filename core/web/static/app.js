// Page behaviour, kept out of the templates: the Content-Security-Policy allows
// scripts only from this site's files (no inline script, no handler attributes).
// Elements opt in with data attributes:
//   data-submit-on-change            a select or input submits its form when changed
//   data-clear-field="name"          ...after emptying the form's field "name"
//   data-tenant-switcher             a form going to /t/<code>/ of its "code" field
//   data-failed-message="...{status}..."  an htmx form showing its failure in its
//   data-failed-target="selector"    .htmx-failed element (or the one selected)
//   data-toggle-codes="id"           a checkbox adding or removing its value from the
//                                    codes listed in the text field with that id
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el instanceof Element)) { return; }
    if (el.hasAttribute("data-toggle-codes")) {
      var field = document.getElementById(el.getAttribute("data-toggle-codes"));
      if (field) {
        var codes = new Set(field.value.split(/[\s,，、]+/).filter(Boolean));
        if (el.checked) { codes.add(el.value); } else { codes.delete(el.value); }
        field.value = Array.from(codes).join(" ");
      }
    }
    if (el.hasAttribute("data-submit-on-change") && el.form) {
      var clear = el.getAttribute("data-clear-field");
      if (clear && el.form.elements[clear]) { el.form.elements[clear].value = ""; }
      el.form.requestSubmit();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-tenant-switcher")) {
      event.preventDefault();
      window.location.href = "/t/" + encodeURIComponent(form.elements.code.value) + "/";
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var source = event.detail && event.detail.elt;
    var owner = source instanceof Element ? source.closest("[data-failed-message]") : null;
    if (!owner) { return; }
    var selector = owner.getAttribute("data-failed-target");
    var box = selector ? document.querySelector(selector) : owner.querySelector(".htmx-failed");
    if (!box) { return; }
    box.hidden = false;
    box.textContent = owner.getAttribute("data-failed-message")
      .replace("{status}", String(event.detail.xhr.status));
  });
})();
