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
//   data-add-row="id"                a button adding a copy of <template id="id"> to the
//                                    element named by its data-rows (at most data-max rows)
//   data-remove-row                  a button removing its closest .row
//   data-live                        an htmx poller (hx-trigger="every 10s, page-visible
//                                    from:document") that sends nothing while the tab is
//                                    hidden and refreshes once when it is shown again
// A 403 answered with an HTML fragment (a rule about the person, e.g. who may sign a
// paper) is swapped in like the 4xx form answers base.html lists; a 403 of the access
// guard (JSON) is not.
//   data-filter-list="id"            a search box hiding the [data-filter-text] entries of
//                                    the element with that id that do not contain its text
//                                    (and opening the [data-filter-group] details that do)
// The browser's own messages for required/maxlength/min/max/type are replaced by
// Chinese ones (the browser's language may be English).
(function () {
  "use strict";

  function validityMessage(el) {
    var v = el.validity;
    if (v.valueMissing) { return el.tagName === "SELECT" ? "请选择此项" : "此项必填"; }
    if (v.tooLong) { return "长度不能超过 " + el.getAttribute("maxlength") + " 个字符"; }
    if (v.tooShort) { return "长度不能少于 " + el.getAttribute("minlength") + " 个字符"; }
    if (v.rangeUnderflow) { return "不能小于 " + el.getAttribute("min"); }
    if (v.rangeOverflow) { return "不能大于 " + el.getAttribute("max"); }
    if (v.badInput || v.typeMismatch) {
      return el.type === "date" ? "请填写有效日期" : el.type === "number" ? "请填写数字" : "格式不正确";
    }
    if (v.stepMismatch) { return "请填写整数"; }
    if (v.patternMismatch) { return el.getAttribute("title") || "格式不正确"; }
    return "填写有误";
  }

  document.addEventListener("invalid", function (event) {
    var el = event.target;
    if (el instanceof HTMLElement && "setCustomValidity" in el) {
      el.setCustomValidity("");
      if (!el.validity.valid) { el.setCustomValidity(validityMessage(el)); }
    }
  }, true);

  function filterList(box) {
    var list = document.getElementById(box.getAttribute("data-filter-list"));
    if (!list) { return; }
    var text = box.value.trim().toLowerCase();
    list.querySelectorAll("[data-filter-text]").forEach(function (item) {
      var hit = !text || item.getAttribute("data-filter-text").toLowerCase().indexOf(text) >= 0;
      item.hidden = !hit;
    });
    list.querySelectorAll("[data-filter-group]").forEach(function (group) {
      var shown = group.querySelector("[data-filter-text]:not([hidden])");
      group.hidden = !!text && !shown;
      if (text && shown) { group.open = true; }
    });
  }

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el instanceof HTMLElement && "setCustomValidity" in el) { el.setCustomValidity(""); }
    if (el instanceof HTMLInputElement && el.hasAttribute("data-filter-list")) { filterList(el); }
  }, true);

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

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button") : null;
    if (!button) { return; }
    if (button.hasAttribute("data-add-row")) {
      event.preventDefault();
      var template = document.getElementById(button.getAttribute("data-add-row"));
      var rows = document.getElementById(button.getAttribute("data-rows"));
      var max = parseInt(button.getAttribute("data-max") || "0", 10);
      if (!template || !rows) { return; }
      if (max && rows.querySelectorAll(".row").length >= max) {
        button.disabled = true;
        return;
      }
      rows.appendChild(template.content.cloneNode(true));
    } else if (button.hasAttribute("data-remove-row")) {
      event.preventDefault();
      var row = button.closest(".row");
      if (row) { row.remove(); }
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-tenant-switcher")) {
      event.preventDefault();
      window.location.href = "/t/" + encodeURIComponent(form.elements.code.value) + "/";
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 403 &&
        (xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Live parts poll only while someone can see them: a hidden tab's polls are dropped
  // (htmx's trigger filters would need eval, which the CSP forbids), and the document's
  // page-visible event, sent when the tab is shown again, refreshes them at once.
  document.addEventListener("htmx:confirm", function (event) {
    var source = event.detail && event.detail.elt;
    if (document.hidden && source instanceof Element && source.hasAttribute("data-live")) {
      event.preventDefault();
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { document.dispatchEvent(new CustomEvent("page-visible")); }
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
