/* The judge's pages: live weighted total, level highlighting, local safety copy of the
   scoring form (localStorage), and deadlines in the browser's time zone.
   The server checks and computes everything again; this only helps the judge. */
(function () {
  "use strict";

  // ----- deadlines in the browser's time zone ----------------------------------------------
  function showLocalTimes() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    document.querySelectorAll("time.js-local-time").forEach(function (el) {
      if (!zone || el.dataset.skipZone === zone) { return; }
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) { return; }
      var text = new Intl.DateTimeFormat(undefined, {
        day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
        timeZoneName: "short"
      }).format(when);
      el.textContent = "· " + text + " your time (" + zone + ")";
    });
  }

  // ----- the scoring form ------------------------------------------------------------------
  var form = document.getElementById("review-form");

  function criteria() {
    return Array.prototype.slice.call(form.querySelectorAll("fieldset[data-criterion]"));
  }

  function chosen(fieldset) {
    var checked = fieldset.querySelector("input[type=radio]:checked");
    if (!checked || checked.value === "") { return null; }
    var value = parseInt(checked.value, 10);
    var min = parseInt(fieldset.dataset.min, 10), max = parseInt(fieldset.dataset.max, 10);
    return (isNaN(value) || value < min || value > max) ? null : value;
  }

  function updateTotal() {
    var out = document.getElementById("weighted-total");
    if (!out) { return; }
    var all = criteria(), sum = 0, weights = 0, scored = 0, max = null;
    all.forEach(function (fs) {
      var value = chosen(fs), weight = parseFloat(fs.dataset.weight);
      max = fs.dataset.max;
      highlightLevel(fs, value);
      if (value === null) { return; }
      scored += 1; sum += weight * value; weights += weight;
    });
    if (all.length && scored === all.length && weights > 0) {
      out.textContent = (sum / weights).toFixed(2) + " out of " + max;
    } else {
      out.textContent = scored + " of " + all.length + " criteria scored";
    }
  }

  function highlightLevel(fieldset, value) {
    fieldset.querySelectorAll("tr[data-level-min]").forEach(function (row) {
      var inBand = value !== null && value >= parseInt(row.dataset.levelMin, 10) &&
        value <= parseInt(row.dataset.levelMax, 10);
      row.classList.toggle("table-active", inBand);
      row.classList.toggle("judge-level-chosen", inBand);
    });
  }

  function toggleTheme() {
    var box = document.getElementById("special_mention");
    var group = document.getElementById("special-mention-theme-group");
    if (box && group) { group.classList.toggle("d-none", !box.checked); }
  }

  // ----- the local safety copy -----------------------------------------------------------------
  var SKIP = { csrf_token: true, version: true, action: true, confirm_submit: true };

  function values() {
    var result = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name]) { return; }
      if (el.type === "radio") {
        if (el.checked) { result[el.name] = el.value; }
        else if (!(el.name in result)) { result[el.name] = ""; }
      } else if (el.type === "checkbox") {
        result[el.name] = el.checked;
      } else if (el.tagName === "TEXTAREA" || el.type === "text") {
        result[el.name] = el.value;
      }
    });
    return result;
  }

  function apply(saved) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || !(el.name in saved)) { return; }
      if (el.type === "radio") { el.checked = (el.value === String(saved[el.name])); }
      else if (el.type === "checkbox") { el.checked = Boolean(saved[el.name]); }
      else { el.value = saved[el.name]; }
    });
    updateTotal();
    toggleTheme();
  }

  function same(a, b) {
    var keys = Object.keys(a).concat(Object.keys(b));
    return keys.every(function (k) { return String(a[k]) === String(b[k]); });
  }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function setupSafetyCopy() {
    var store = storage(), key = form.dataset.storageKey;
    if (!store || !key) { return; }
    if (form.dataset.editable !== "1") { store.removeItem(key); return; }
    var serverVersion = parseInt(form.dataset.serverVersion, 10);
    var hidden = form.querySelector("input[name=version]");
    var local = null;
    try { local = JSON.parse(store.getItem(key) || "null"); } catch (e) { local = null; }

    if (local && form.dataset.savedCopy === "1") {
      if (same(local.values || {}, values())) {
        store.removeItem(key);
      } else {
        var notice = document.getElementById("draft-restore");
        var text = document.getElementById("draft-restore-text");
        var restoreButton = document.getElementById("draft-restore-apply");
        var when = new Date(local.savedAt).toLocaleString();
        if (local.base === serverVersion) {
          apply(local.values);
          text.textContent = "Changes you made on " + when + " had not been saved; they are " +
            "restored from this browser. Save the draft to keep them.";
        } else {
          text.textContent = "This browser holds changes from " + when + " made on an older " +
            "copy of this review (it was saved since, perhaps in another window). " +
            "The form shows the saved review.";
          restoreButton.classList.remove("d-none");
          restoreButton.addEventListener("click", function () {
            apply(local.values);
            restoreButton.classList.add("d-none");
            text.textContent = "Restored. Save the draft to keep these values.";
          });
        }
        document.getElementById("draft-restore-discard").addEventListener("click", function () {
          store.removeItem(key);
          window.location.reload();
        });
        notice.classList.remove("d-none");
      }
    }

    function remember() {
      try {
        store.setItem(key, JSON.stringify({
          base: parseInt(hidden && hidden.value, 10) || serverVersion,
          savedAt: Date.now(),
          values: values()
        }));
      } catch (e) { /* storage full or disabled: the server copy is what counts */ }
    }
    form.addEventListener("input", remember);
    form.addEventListener("change", remember);
    if (form.dataset.savedCopy === "0") { remember(); }
  }

  function setupForm() {
    if (!form) { return; }
    form.addEventListener("change", function (event) {
      if (event.target.type === "radio") { updateTotal(); }
      if (event.target.id === "special_mention") { toggleTheme(); }
    });
    updateTotal();
    toggleTheme();
    setupSafetyCopy();
  }

  // A submitted review's safety copy is no longer needed (the home page lists them).
  function forgetSubmitted() {
    var store = storage();
    if (!store) { return; }
    document.querySelectorAll(".js-forget-draft[data-storage-key]").forEach(function (el) {
      store.removeItem(el.dataset.storageKey);
    });
  }

  showLocalTimes();
  forgetSubmitted();
  setupForm();
}());
