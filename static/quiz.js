// Progressive enhancement: keep quiz answers in this phone's storage while they are
// given, so that a reload or a dropped connection loses nothing. The quiz works
// without this file; the server also keeps answers ("Save and finish later").
(function () {
  "use strict";
  var form = document.querySelector("form[data-quiz]");
  if (!form || !window.localStorage) return;
  var token = form.querySelector("input[name=token]");
  if (!token) return;
  var key = "quiz:" + form.getAttribute("data-quiz") + ":" + token.value;

  function save() {
    var picked = [];
    form.querySelectorAll("input[type=radio]:checked, input[type=checkbox]:checked")
      .forEach(function (input) { picked.push(input.name + "=" + input.value); });
    try { localStorage.setItem(key, JSON.stringify(picked)); } catch (e) { /* full */ }
  }

  function restore() {
    var anyChecked = form.querySelector("input[type=radio]:checked, input[type=checkbox]:checked");
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (anyChecked || !saved) return;
    saved.forEach(function (pair) {
      var at = pair.indexOf("=");
      var selector = "input[name='" + CSS.escape(pair.slice(0, at)) + "'][value='" +
        CSS.escape(pair.slice(at + 1)) + "']";
      var input = form.querySelector(selector);
      if (input) input.checked = true;
    });
  }

  restore();
  form.addEventListener("change", save);
  form.addEventListener("submit", save);
})();
