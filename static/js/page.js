/* Small behaviours that templates ask for with data- attributes, kept out of the HTML because the
   Content-Security-Policy runs no inline script or handler:
   <form data-confirm="…">  asks before submitting;  <button data-print>  prints the page;
   <select data-autosubmit>  submits its form when changed;
   <select data-narrows="town_id">  leaves in the select named town_id only the options whose
   data-parent is the chosen value (all of them when nothing is chosen), and so on down; an option
   under several (a branch under its bank and its bank's bank) lists them all, space-separated.
   No dependencies. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
  // The blank choice of a picker: "" or "0", or "None" as WTForms writes an optional id's blank.
  function chosen(value) { return value !== "" && value !== "0" && value !== "None"; }
  function narrow(select) {
    var target = select.form && select.form.elements[select.getAttribute("data-narrows")];
    if (!target) return;
    // The parents allowed: the one chosen, else every one still offered (a county chosen above
    // a town left blank keeps the county's districts).
    var allowed = null;
    if (chosen(select.value)) allowed = [select.value];
    else if (select.querySelector("option[disabled]")) {
      allowed = Array.prototype.filter.call(select.options, function (o) { return !o.disabled && chosen(o.value); })
        .map(function (o) { return o.value; });
    }
    Array.prototype.forEach.call(target.options, function (option) {
      var parents = option.getAttribute("data-parent");
      var keep = !allowed || parents === null || parents.split(" ").some(function (p) { return allowed.indexOf(p) >= 0; });
      option.hidden = !keep;
      option.disabled = !keep;
    });
    if (target.selectedOptions.length && target.selectedOptions[0].disabled) {  // the first one still offered
      target.selectedIndex = Array.prototype.findIndex.call(target.options, function (o) { return !o.disabled; });
    }
    if (target.hasAttribute("data-narrows")) narrow(target);
  }
  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute("data-autosubmit") && event.target.form) event.target.form.submit();
    if (event.target.hasAttribute("data-narrows")) narrow(event.target);
  });
  function narrowAll() { document.querySelectorAll("select[data-narrows]").forEach(narrow); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", narrowAll);
  else narrowAll();
})();
