/* The builder's small progressive script (no build step, no library): reorder by drag and
 * drop or Alt+Arrow, confirm deletes, warn about unsaved edits, the subject counter,
 * formatting and variable insertion, live checks and preview as you type, the preview's
 * lead picker, the condition rule builder and the webhook test call. Every page works
 * without it (forms post, rules are JSON), just less comfortably. */
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf") || "";
  var DEBOUNCE = 350;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }
  function post(url, data) {
    var init = { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
    if (data instanceof FormData) { init.body = data; } else {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(data);
    }
    return fetch(url, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { j._status = r.status; return j; });
    });
  }

  /* --- delete confirmations and unsaved changes ------------------------------------- */
  $$("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  var dirty = false;
  var notice = $("#dirty-notice");
  function setDirty(on) { dirty = on; if (notice) { notice.hidden = !on; } }
  $$("form.tracked").forEach(function (form) {
    form.addEventListener("input", function () { setDirty(true); });
    form.addEventListener("change", function () { setDirty(true); });
    form.addEventListener("submit", function () { setDirty(false); });
  });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });

  /* --- reorder: drag and drop, Alt+Arrow, Move buttons -------------------------------- */
  var list = $("#steps");
  var status = $("#reorder-status");
  function cards() { return $$(".step-card", list); }
  function renumber() {
    var labels = {};
    cards().forEach(function (card, i) {
      $(".number", card).textContent = "Step " + (i + 1);
      labels[card.getAttribute("data-step-id")] = "Step " + (i + 1);
      $$(".move button", card).forEach(function (b) {
        b.disabled = b.value === "up" ? i === 0 : i === cards().length - 1;
      });
    });
    $$(".branch").forEach(function (b) {
      var t = b.getAttribute("data-target");
      if (labels[t]) {
        var target = $(".target", b);
        target.textContent = labels[t] + target.textContent.replace(/^Step \d+/, "");
      }
    });
  }
  function showWarnings(warnings) {
    var box = $("#graph-warnings");
    if (!box) { return; }
    box.textContent = "";
    (warnings || []).forEach(function (w) {
      var li = document.createElement("li"); li.className = "graph"; li.textContent = w; box.appendChild(li);
    });
  }
  function saveOrder(before, focus) {
    var ids = cards().map(function (c) { return c.getAttribute("data-step-id"); });
    status.textContent = "Saving the new order…";
    return post(list.getAttribute("data-reorder-url"), { step_ids: ids }).then(function (r) {
      if (r._status !== 200) {
        before.forEach(function (c) { list.appendChild(c); });
        renumber();
        status.textContent = "Not reordered: " + (r.error || "the server refused");
        status.className = "field-error";
        return;
      }
      renumber();
      showWarnings(r.warnings);
      status.className = "hint";
      status.textContent = "Order saved." + (r.warnings && r.warnings.length ? " " + r.warnings.join(" ") : "");
      if (focus && focus.disabled) { focus = $(".move button:not([disabled])", focus.closest(".step-card")); }
      if (focus) { focus.focus(); }
    });
  }
  function move(card, delta, focus) {
    var all = cards();
    var at = all.indexOf(card);
    var to = at + delta;
    if (to < 0 || to >= all.length) { return; }
    var before = all.slice();
    if (delta < 0) { list.insertBefore(card, all[to]); } else { list.insertBefore(card, all[to].nextSibling); }
    saveOrder(before, focus || card);
  }
  if (list && list.hasAttribute("data-editable")) {
    var dragged = null;
    var start = null;
    cards().forEach(function (card) {
      card.tabIndex = 0;
      card.addEventListener("dragstart", function (e) {
        dragged = card; start = cards(); card.classList.add("dragging");
        e.dataTransfer.effectAllowed = "move";
        e.dataTransfer.setData("text/plain", card.getAttribute("data-step-id"));
      });
      card.addEventListener("dragend", function () {
        card.classList.remove("dragging");
        if (dragged && start && cards().some(function (c, i) { return c !== start[i]; })) { saveOrder(start, card); }
        dragged = null;
      });
      card.addEventListener("keydown", function (e) {
        if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) { return; }
        e.preventDefault();
        move(card, e.key === "ArrowUp" ? -1 : 1, document.activeElement);
      });
      $$(".move button", card).forEach(function (button) {
        button.addEventListener("click", function (e) {
          e.preventDefault();
          move(card, button.value === "up" ? -1 : 1, button);
        });
      });
    });
    list.addEventListener("dragover", function (e) {
      if (!dragged) { return; }
      e.preventDefault();
      var over = e.target.closest ? e.target.closest(".step-card") : null;
      if (!over || over === dragged) { return; }
      var box = over.getBoundingClientRect();
      var after = e.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (e) { if (dragged) { e.preventDefault(); } });
  }

  /* --- the step editor --------------------------------------------------------------- */
  var form = $("#step-form");
  if (!form) { return; }
  var lastField = null;
  $$(".tpl", form).forEach(function (el) {
    el.addEventListener("focus", function () { lastField = el; });
  });
  function insert(el, before, after, fallback) {
    el = el || $(".tpl", form);
    if (!el) { return; }
    var s = el.selectionStart || 0, e2 = el.selectionEnd || 0;
    var chosen = el.value.slice(s, e2) || fallback || "";
    el.value = el.value.slice(0, s) + before + chosen + after + el.value.slice(e2);
    el.focus();
    var caret = s + before.length + chosen.length + (chosen ? after.length : 0);
    el.setSelectionRange(caret, caret);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }
  $$(".var", form).forEach(function (b) {
    b.addEventListener("click", function () { insert(lastField, "{{ " + b.getAttribute("data-var") + " }}", "", ""); });
  });
  var html = $("#f-html");
  $$(".tool", form).forEach(function (b) {
    b.addEventListener("click", function () {
      var tag = b.getAttribute("data-wrap");
      if (tag) { insert(html, "<" + tag + ">", "</" + tag + ">", "text"); }
      else if (b.hasAttribute("data-link")) { insert(html, '<a href="https://">', "</a>", "link text"); }
      else if (b.hasAttribute("data-list")) { insert(html, "<ul>\n  <li>", "</li>\n</ul>", "item"); }
    });
  });

  var subject = $("#f-subject"), counter = $("#subject-count");
  function count() {
    var n = subject.value.length, limit = Number(counter.getAttribute("data-limit"));
    counter.textContent = n + " characters" + (n > limit ? " — over " + limit + ": shorter subjects are read more often." : "; subjects under " + limit + " are read more often.");
    counter.classList.toggle("over", n > limit);
  }
  if (subject && counter) { subject.addEventListener("input", count); count(); }

  function showFields(errors, notes) {
    $$("[data-error-for]", form).forEach(function (p) {
      var name = p.getAttribute("data-error-for");
      var message = errors[name] || Object.keys(errors).filter(function (k) { return k.indexOf(name + ".") === 0; })
        .map(function (k) { return k.slice(name.length + 1) + ": " + errors[k]; }).join("; ");
      p.textContent = message || ""; p.hidden = !message;
      p.parentNode.classList.toggle("invalid", !!message);
    });
    $$("[data-note-for]", form).forEach(function (p) {
      var note = notes[p.getAttribute("data-note-for")];
      p.textContent = note || ""; p.hidden = !note;
    });
  }
  var check = debounce(function () {
    post(form.getAttribute("data-check-url"), new FormData(form)).then(function (r) {
      if (r.errors) { showFields(r.errors, r.notes || {}); }
    });
  }, DEBOUNCE);
  form.addEventListener("input", check);

  /* --- preview ------------------------------------------------------------------------ */
  var frame = $("#pv-html"), leadSelect = $("#lead-id"), pstatus = $("#preview-status");
  function setText(id, value) { var el = $(id); if (el) { el.textContent = value || "—"; } }
  // The HTML part loads as the frame's own document (its own policy lets the email's inline
  // styles apply): the same unsaved values, posted into the frame.
  function showHtml() {
    var carrier = document.createElement("form");
    carrier.method = "post";
    carrier.action = form.getAttribute("data-preview-url") + "/html";
    carrier.target = frame.name;
    carrier.hidden = true;
    new FormData(form).forEach(function (value, key) {
      if (typeof value !== "string") { return; }
      var field = document.createElement("textarea");
      field.name = key; field.value = value;
      carrier.appendChild(field);
    });
    var csrf = document.body.getAttribute("data-csrf");
    if (csrf && !carrier.querySelector("[name=csrf]")) {
      var token = document.createElement("input");
      token.type = "hidden"; token.name = "csrf"; token.value = csrf;
      carrier.appendChild(token);
    }
    document.body.appendChild(carrier);
    carrier.submit();
    carrier.remove();
  }
  var preview = debounce(function () {
    if (!frame || !leadSelect || !leadSelect.value) { return; }
    pstatus.textContent = "Rendering…";
    post(form.getAttribute("data-preview-url"), new FormData(form)).then(function (r) {
      if (r.html === undefined) {
        pstatus.textContent = r.error || "No preview.";
        pstatus.className = r.missing ? "field-note" : "field-error";
        if (r.missing) { pstatus.textContent = "missing: " + r.missing + " — this lead has no " + r.missing + " and the step gives it no default, so it would pause here instead of sending."; }
        return;
      }
      pstatus.className = "hint";
      pstatus.textContent = "As " + leadSelect.options[leadSelect.selectedIndex].text + " would get it (tracking links and unsubscribe footer included). Nothing is saved or sent.";
      setText("#pv-from", r.from); setText("#pv-to", r.to); setText("#pv-subject", r.subject);
      showHtml();
      $("#pv-text").textContent = r.text;
    });
  }, DEBOUNCE);
  if (frame) {
    form.addEventListener("input", preview);
    leadSelect.addEventListener("change", preview);
    preview();
  }
  var search = $("#lead-search");
  if (search) {
    search.addEventListener("input", debounce(function () {
      var url = search.getAttribute("data-url") + "?q=" + encodeURIComponent(search.value);
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (r) {
        var keep = leadSelect.value;
        leadSelect.textContent = "";
        (r.leads || []).forEach(function (l) {
          var o = document.createElement("option"); o.value = l.id; o.textContent = l.label;
          if (l.id === keep) { o.selected = true; }
          leadSelect.appendChild(o);
        });
        if (!leadSelect.options.length) {
          var none = document.createElement("option"); none.value = ""; none.textContent = "No lead matches";
          leadSelect.appendChild(none);
        }
        preview();
      });
    }, DEBOUNCE));
  }

  /* --- webhook test call ----------------------------------------------------------------- */
  var testButton = $("#test-call");
  if (testButton) {
    testButton.addEventListener("click", function () {
      var out = $("#test-call-result");
      out.textContent = "Calling…";
      post(testButton.getAttribute("data-url"), new FormData(form)).then(function (r) {
        if (r.error) { out.textContent = r.error; out.className = "field-error"; if (r.errors) { showFields(r.errors, {}); } return; }
        out.className = r.outcome === "success" ? "ok" : "field-error";
        out.textContent = (r.status ? "HTTP " + r.status + " in " + r.milliseconds + " ms" : "Not sent") + " — " + r.reason;
      });
    });
  }

  /* --- condition rule builder ------------------------------------------------------------ */
  var rb = $("#rule-builder"), rulesText = $("#f-rules");
  if (rb && rulesText) { ruleBuilder(rb, rulesText); }

  function ruleBuilder(root, text) {
    var emails = JSON.parse(root.getAttribute("data-emails") || "[]");
    var fields = JSON.parse(root.getAttribute("data-fields") || "[]");
    var OPS = ["equals", "not_equals", "contains", "exists", "not_exists", "in"];
    var model;
    try { model = JSON.parse(text.value || "{}"); } catch (err) { return; } /* leave the JSON to the user */
    if (!model.all && !model.any) { model = { all: [] }; }
    root.hidden = false;
    text.hidden = true;
    text.previousElementSibling.setAttribute("for", "rb-mode-0");

    function el(tag, attrs, kids) {
      var n = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (k) { if (k === "text") { n.textContent = attrs[k]; } else { n.setAttribute(k, attrs[k]); } });
      (kids || []).forEach(function (k) { n.appendChild(k); });
      return n;
    }
    var uid = 0;
    function labelled(label, control) {
      var id = "rb-" + (uid++); control.id = id;
      return el("span", { class: "rb-field" }, [el("label", { for: id, text: label }), control]);
    }
    function select(options, value, onchange) {
      var s = el("select");
      options.forEach(function (o) {
        var opt = el("option", { value: o[0], text: o[1] }); if (String(o[0]) === String(value)) { opt.selected = true; } s.appendChild(opt);
      });
      s.addEventListener("change", function () { onchange(s.value); });
      return s;
    }
    function input(type, value, onchange) {
      var i = el("input", { type: type }); i.value = value === undefined || value === null ? "" : value;
      i.addEventListener("input", function () { onchange(i.value); });
      return i;
    }
    function sync() {
      text.value = JSON.stringify(model, null, 2);
      text.dispatchEvent(new Event("input", { bubbles: true }));
    }
    function modeOf(g) { return g.all ? "all" : "any"; }
    function group(g, depth) {
      var mode = modeOf(g);
      var box = el("div", { class: "rb-group", role: "group" });
      var head = el("div", { class: "rb-head" });
      var modeSelect = select([["all", "All of these hold"], ["any", "Any one of these holds"]], mode, function (v) {
        var items = g[modeOf(g)]; delete g.all; delete g.any; g[v] = items; sync();
      });
      modeSelect.id = "rb-mode-" + depth + "-" + (uid++);
      if (depth === 0) { modeSelect.id = "rb-mode-0"; }
      head.appendChild(el("span", { class: "rb-field" }, [el("label", { for: modeSelect.id, text: depth ? "Group:" : "Match:" }), modeSelect]));
      box.appendChild(head);
      var items = g[mode];
      items.forEach(function (item, i) {
        var row = item.all || item.any ? group(item, depth + 1) : rule(item);
        var remove = el("button", { type: "button", class: "secondary rb-remove", text: "Remove", "aria-label": "Remove rule " + (i + 1) });
        remove.addEventListener("click", function () { items.splice(i, 1); sync(); render(); });
        row.appendChild(remove);
        box.appendChild(row);
      });
      var add = el("div", { class: "rb-add" });
      [["Add behaviour rule", { event: "opened", step: "any" }], ["Add field rule", { field: "company", op: "exists" }]].forEach(function (a) {
        var b = el("button", { type: "button", class: "secondary", text: a[0] });
        b.addEventListener("click", function () { items.push(JSON.parse(JSON.stringify(a[1]))); sync(); render(); });
        add.appendChild(b);
      });
      if (depth === 0) {
        var b = el("button", { type: "button", class: "secondary", text: "Add nested group" });
        b.addEventListener("click", function () { items.push({ any: [{ event: "clicked", step: "any" }] }); sync(); render(); });
        add.appendChild(b);
      }
      box.appendChild(add);
      return box;
    }
    function rule(r) {
      var row = el("div", { class: "rb-rule" });
      var kind = r.event ? "behaviour" : "field";
      if (kind === "behaviour") {
        row.appendChild(labelled("The lead", select([["opened", "opened"], ["clicked", "clicked"], ["replied", "replied to"]], r.event, function (v) { r.event = v; sync(); })));
        var steps = [["any", "any email"]].concat(emails.map(function (e) { return [e.id, e.label]; }));
        row.appendChild(labelled("Email", select(steps, r.step || "any", function (v) { r.step = v; sync(); })));
        var w = r.within || {};
        function within(part, v) {
          var n = parseInt(v, 10);
          r.within = r.within || {};
          if (n > 0) { r.within[part] = n; } else { delete r.within[part]; }
          if (!r.within.days && !r.within.hours) { delete r.within; }
          sync();
        }
        row.appendChild(labelled("Within days", input("number", w.days, function (v) { within("days", v); })));
        row.appendChild(labelled("and hours", input("number", w.hours, function (v) { within("hours", v); })));
      } else {
        var options = fields.map(function (f) { return [f, f]; });
        if (fields.indexOf(r.field) < 0) { options.push([r.field, r.field]); }
        row.appendChild(labelled("Field", select(options, r.field, function (v) { r.field = v; sync(); })));
        row.appendChild(labelled("is", select(OPS.map(function (o) { return [o, o.replace("_", " ")]; }), r.op, function (v) {
          r.op = v;
          if (v === "exists" || v === "not_exists") { delete r.value; }
          else if (v === "in" && !Array.isArray(r.value)) { r.value = r.value ? [String(r.value)] : []; }
          else if (v !== "in" && Array.isArray(r.value)) { r.value = r.value.join(", "); }
          sync(); render();
        })));
        if (r.op !== "exists" && r.op !== "not_exists") {
          var shown = Array.isArray(r.value) ? r.value.join(", ") : r.value;
          row.appendChild(labelled(r.op === "in" ? "Values (comma-separated)" : "Value", input("text", shown, function (v) {
            r.value = r.op === "in" ? v.split(",").map(function (x) { return x.trim(); }).filter(Boolean) : v; sync();
          })));
        }
      }
      return row;
    }
    function render() { root.textContent = ""; root.appendChild(group(model, 0)); }
    render();
  }
})();
