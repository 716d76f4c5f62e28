/* The applicant's entry pages: live word counts, the deadline in the applicant's own time
 * zone with a countdown, a size check before uploading, a warning before leaving unsaved
 * answers, and the receipt's print button. Everything here is a convenience: the pages work
 * without it, and the server checks every rule. */
(function () {
  "use strict";

  /* ----- word counts: the same rule as judging/program/answers.py count_words ----------- */
  // Each Han ideograph, Hiragana or Katakana character is a word; other runs of characters
  // separated by whitespace are words if they hold a letter or a digit.
  var CJK = /[\u3005\u3007\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\u{20000}-\u{2fa1f}\u{30000}-\u{3134f}]/u;
  var CJK_ALL = new RegExp(CJK.source, "gu");
  var ALNUM = /[\p{L}\p{N}]/u;

  function countWords(text) {
    var total = 0;
    var tokens = text.split(/\s+/);
    for (var i = 0; i < tokens.length; i++) {
      var token = tokens[i];
      if (!token) continue;
      var pieces = token.split(CJK_ALL);
      for (var j = 0; j < pieces.length; j++) {
        if (ALNUM.test(pieces[j])) total += 1;
      }
      var cjk = token.match(CJK_ALL);
      if (cjk) total += cjk.length;
    }
    return total;
  }

  function wordCountText(n, limit) {
    var text = n + " of " + limit + " words";
    if (n > limit) text += ": " + (n - limit) + " too many";
    return text;
  }

  var announce = document.getElementById("word-count-status");
  var announceTimer = null;

  document.querySelectorAll("[data-word-limit]").forEach(function (field) {
    var limit = parseInt(field.getAttribute("data-word-limit"), 10);
    var output = document.getElementById(field.getAttribute("data-count-id"));
    if (!output || !limit) return;
    function update() {
      var n = countWords(field.value);
      output.textContent = wordCountText(n, limit);
      output.classList.toggle("over", n > limit);
      if (announce) {
        // Tell screen reader users once they pause typing, not at every key.
        clearTimeout(announceTimer);
        announceTimer = setTimeout(function () {
          announce.textContent = wordCountText(n, limit);
        }, 1500);
      }
    }
    field.addEventListener("input", update);
    update();
  });

  /* ----- deadlines: the applicant's own time zone and a countdown ------------------------- */
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function timeLeft(ms) {
    var seconds = Math.floor(ms / 1000);
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var secs = seconds % 60;
    if (days) return plural(days, "day") + (hours ? ", " + plural(hours, "hour") : "");
    if (hours) return plural(hours, "hour") + (minutes ? ", " + plural(minutes, "minute") : "");
    if (minutes) return plural(minutes, "minute") + ", " + plural(secs, "second");
    return plural(secs, "second");
  }

  function formatIn(date, zone) {
    try {
      return new Intl.DateTimeFormat("en-GB", {
        day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
        timeZone: zone, timeZoneName: "short"
      }).format(date);
    } catch (e) {
      return null;
    }
  }

  document.querySelectorAll(".deadline-box[data-deadline]").forEach(function (box) {
    var deadline = new Date(box.getAttribute("data-deadline"));
    if (isNaN(deadline.getTime())) return;
    var zone = box.getAttribute("data-zone");
    var browserRow = box.querySelector(".deadline-browser");
    if (browserRow && !box.getAttribute("data-user-zone")) {
      var browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (browserZone && browserZone !== zone) {
        var text = formatIn(deadline, browserZone);
        if (text) {
          browserRow.querySelector(".deadline-browser-time").textContent =
            text + " (" + browserZone.replace(/_/g, " ") + ")";
          browserRow.hidden = false;
        }
      }
    }
    var countdown = box.querySelector(".deadline-countdown");
    if (!countdown) return;
    function tick() {
      var ms = deadline.getTime() - Date.now();
      if (ms < 0) {
        countdown.textContent = "The deadline has passed.";
        countdown.classList.add("overdue");
        return false;
      }
      var strong = document.createElement("strong");
      strong.textContent = timeLeft(ms);
      countdown.replaceChildren(strong, document.createTextNode(" left"));
      return true;
    }
    if (tick()) {
      var timer = setInterval(function () { if (!tick()) clearInterval(timer); }, 1000);
    }
  });

  /* ----- the entry form ------------------------------------------------------------------- */
  var form = document.getElementById("entry-form");
  if (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });

    var maxFile = parseInt(form.getAttribute("data-max-file"), 10);
    var maxEntry = parseInt(form.getAttribute("data-max-entry"), 10);
    var used = parseInt(form.getAttribute("data-used"), 10) || 0;
    var fileInput = form.querySelector("input[type=file]");
    var sizeMessage = fileInput ? document.getElementById(fileInput.id + "-size") : null;

    function megabytes(n) { return (n / (1024 * 1024)).toFixed(1) + " MB"; }

    function fileProblem() {
      if (!fileInput || !fileInput.files || !fileInput.files.length) return null;
      var file = fileInput.files[0];
      if (maxFile && file.size > maxFile) {
        return file.name + " is " + megabytes(file.size) + "; each file may be at most " + megabytes(maxFile) + ".";
      }
      if (maxEntry && used + file.size > maxEntry) {
        return "Adding " + file.name + " would bring this entry's documents to " + megabytes(used + file.size) +
          "; the limit is " + megabytes(maxEntry) + " per entry.";
      }
      return null;
    }

    if (fileInput && sizeMessage) {
      fileInput.addEventListener("change", function () {
        var problem = fileProblem();
        sizeMessage.textContent = problem || "";
        sizeMessage.hidden = !problem;
        fileInput.classList.toggle("is-invalid", !!problem);
      });
    }

    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.value === "upload") {
        var problem = fileProblem();
        if (problem) {
          event.preventDefault();
          sizeMessage.textContent = problem;
          sizeMessage.hidden = false;
          fileInput.focus();
          return;
        }
      }
      dirty = false;
    });
  }

  /* ----- a safety copy of the answers in this browser -------------------------------------- */
  // If the session expires or the browser closes before the draft is saved, what was typed is
  // kept in this browser and offered back the next time the entry is opened.
  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function formValues(f) {
    var values = {};
    f.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (el) {
      if (el.type === "file" || el.type === "hidden" || el.type === "checkbox" ||
          el.type === "submit" || el.name === "csrf_token") return;
      values[el.name] = el.value;
    });
    return values;
  }

  function sameValues(a, b) {
    return Object.keys(a).concat(Object.keys(b)).every(function (k) {
      return String(a[k] === undefined ? "" : a[k]) === String(b[k] === undefined ? "" : b[k]);
    });
  }

  function setupSafetyCopy(f) {
    var store = storage();
    var key = f.getAttribute("data-storage-key");
    if (!store || !key) return;
    var version = parseInt(f.getAttribute("data-version"), 10);
    var copy = null;
    try { copy = JSON.parse(store.getItem(key) || "null"); } catch (e) { copy = null; }
    if (f.getAttribute("data-saved") === "0") {
      copy = null;  // a refused form shows what was typed: keep it as the copy, it is not saved
      remember();
    }
    if (copy && copy.values) {
      if (sameValues(copy.values, formValues(f))) {
        store.removeItem(key);
      } else {
        var notice = document.getElementById("draft-restore");
        var text = document.getElementById("draft-restore-text");
        var when = new Date(copy.savedAt).toLocaleString();
        text.textContent = (copy.base === version)
          ? "This browser kept changes you typed on " + when + " that were not saved."
          : "This browser kept changes you typed on " + when + " on an older copy of this " +
            "entry (it was saved since, perhaps in another window). The form shows the saved entry.";
        notice.hidden = false;
        document.getElementById("draft-restore-apply").addEventListener("click", function () {
          Object.keys(copy.values).forEach(function (name) {
            var el = f.querySelector('[name="' + name + '"]');
            if (el && el.type !== "file") {
              el.value = copy.values[name];
              el.dispatchEvent(new Event("input", { bubbles: true }));
            }
          });
          text.textContent = "Your changes are back in the form. Save the draft to keep them.";
          this.hidden = true;
        });
        document.getElementById("draft-restore-discard").addEventListener("click", function () {
          store.removeItem(key);
          notice.hidden = true;
        });
      }
    }
    function remember() {
      try {
        store.setItem(key, JSON.stringify({ base: version, savedAt: Date.now(), values: formValues(f) }));
      } catch (e) { /* storage full or disabled: the server's copy is what counts */ }
    }
    f.addEventListener("input", remember);
    f.addEventListener("change", remember);
  }

  if (form) setupSafetyCopy(form);

  // An entry that can no longer change needs no safety copy.
  document.querySelectorAll(".js-forget-draft[data-storage-key]").forEach(function (el) {
    var store = storage();
    if (store) store.removeItem(el.getAttribute("data-storage-key"));
  });

  /* ----- a refused form: bring the summary of problems into view -------------------------- */
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  /* ----- receipt ---------------------------------------------------------------------------- */
  document.querySelectorAll(".print-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
