/* Small behaviours that templates ask for with data- attributes, kept out of the HTML because the
   Content-Security-Policy runs no inline script or handler:
   <form data-confirm="…">  asks before submitting;  <button data-print>  prints the page;
   <select data-autosubmit>  submits its form when changed. No dependencies. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute("data-autosubmit") && event.target.form) event.target.form.submit();
  });
})();
