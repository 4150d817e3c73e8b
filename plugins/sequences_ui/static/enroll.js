/* The enrollment pages' small behaviours (no inline script: the CSP allows only files).
   - forms with data-confirm ask first (archive; stop enrollments);
   - the enroll form posts its leads in chunks to the server and shows a progress bar;
   - "select all" checkboxes on the enrollments page. Without JavaScript the forms still
   work: they post whole, and the server answers with a page. */
(function () {
  "use strict";
  var CHUNK = 500;

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var boxes = document.querySelectorAll("input[name='" + all.getAttribute("data-select-all") + "']");
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
  });

  var form = document.getElementById("enroll-form");
  if (!form) return;
  var token = document.body.getAttribute("data-csrf");

  function showErrors(errors) {
    var shown = document.getElementById("enroll-error");
    var messages = [];
    Object.keys(errors).forEach(function (name) {
      var input = form.querySelector("[name='" + name + "']");
      if (input && input.type !== "hidden") input.setAttribute("aria-invalid", "true");
      messages.push(name.replace(/_/g, " ") + ": " + errors[name]);
    });
    shown.textContent = messages.join("; ");
    shown.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var ids = form.elements.lead_ids.value.split(",").filter(Boolean);
    var fields = new FormData(form);
    fields.delete("lead_ids");
    fields.delete("csrf");
    var wrap = document.getElementById("enroll-progress-wrap");
    var bar = document.getElementById("enroll-progress");
    var text = document.getElementById("enroll-progress-text");
    var button = document.getElementById("enroll-submit");
    var enrolled = 0, skipped = 0, done = 0;
    button.disabled = true;
    wrap.hidden = false;
    bar.max = ids.length;

    function next() {
      if (done >= ids.length) {
        text.textContent = "Done: " + enrolled + " enrolled, " + skipped + " skipped.";
        window.location.assign(form.getAttribute("data-done") + "?done=enrolled&n=" + enrolled + "&skipped=" + skipped);
        return;
      }
      var body = new URLSearchParams();
      fields.forEach(function (value, key) { body.append(key, value); });
      body.append("lead_ids", ids.slice(done, done + CHUNK).join(","));
      fetch(form.getAttribute("data-chunk"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRF-Token": token, "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
      }).then(function (result) {
        if (!result.ok) {
          button.disabled = false;
          showErrors(result.answer.errors || { form: "the server refused the request" });
          return;
        }
        done = Math.min(done + CHUNK, ids.length);
        enrolled += result.answer.enrolled;
        skipped += result.answer.skipped.length;
        bar.value = done;
        text.textContent = done + " of " + ids.length + " leads: " + enrolled + " enrolled, " + skipped + " skipped";
        next();
      }).catch(function () {
        button.disabled = false;
        showErrors({ form: "the connection failed after " + done + " leads; reload to see what was enrolled" });
      });
    }
    next();
  });
})();
