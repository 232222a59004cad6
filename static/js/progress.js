// Progress of a background job: polls the element's data-progress-url (JSON) once a second,
// fills the counters and the bar, and reloads the page when the job has finished or failed.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) { return; }
  var bar = box.querySelector("progress");

  function clock(seconds) {
    if (seconds === null || seconds === undefined) { return "…"; }
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function show(job) {
    ["read", "checked", "written", "total"].forEach(function (name) {
      var field = box.querySelector('[data-field="' + name + '"]');
      if (field) { field.textContent = job[name] || (name === "total" ? "?" : 0); }
    });
    box.querySelector('[data-field="seconds_left"]').textContent = clock(job.seconds_left);
    var waiting = box.querySelector('[data-status="queued"]');
    if (waiting) { waiting.hidden = job.status !== "queued"; }
    if (job.total) {
      bar.max = job.phase === "write" ? Math.max(job.total, job.written) : job.total;
      bar.value = job.phase === "write" ? job.written : job.read;
    }
  }

  function poll() {
    fetch(box.getAttribute("data-progress-url"), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
        show(job);
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 500);
}());
