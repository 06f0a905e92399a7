// dossierd — espace privé. No inline script (the Content-Security-Policy
// forbids it): everything the pages do in the browser is here.
"use strict";

(function () {
  // Deleting asks first (delegated: the listing's rows are replaced after
  // uploads).
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.matches && f.matches("form.confirm") && !window.confirm(f.dataset.confirm)) e.preventDefault();
  });

  var box = document.getElementById("upload");
  if (!box) return;
  var folder = box.dataset.folder;
  var words = document.getElementById("words").dataset;
  var input = document.getElementById("files");
  var drop = document.getElementById("drop");
  var queue = document.getElementById("queue");
  var CHUNK = 16 * 1024 * 1024; // under any proxy's body limit (often 100 MB)
  var pending = [];
  var running = false;

  function fmt(s, v) { return s.replace("%s", v); }
  // Sizes as the listing writes them (humanSize in files.go): the
  // catalogue's units, the page language's decimal mark, one decimal.
  var units = words.units.split(" ");
  var lang = document.documentElement.lang;
  function size(n) {
    if (n < 1024) return n + " " + units[0];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toLocaleString(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false }) + " " + units[i];
  }

  function item(file, name) {
    var li = document.createElement("li");
    li.className = "upload-item";
    li.dataset.name = name;
    var label = document.createElement("span");
    label.className = "upload-name";
    label.textContent = name + " (" + size(file.size) + ")";
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", name);
    var state = document.createElement("span");
    state.className = "upload-state";
    state.textContent = words.waiting;
    li.append(label, bar, state);
    queue.append(li);
    return { li: li, bar: bar, state: state };
  }

  function add(files) {
    for (var i = 0; i < files.length; i++) {
      var f = files[i];
      pending.push({ file: f, name: f.name, ui: item(f, f.name), replace: false });
    }
    next();
  }

  var arrived = 0; // files uploaded since the listing was last shown

  // refresh shows the folder's listing again once the queue is empty, so
  // that the files just uploaded appear without a reload (which would also
  // clear the queue, refusals and suggestions included).
  function refresh() {
    fetch(location.href, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (!html) return;
      var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("#listing tbody");
      var old = document.querySelector("#listing tbody");
      if (fresh && old) old.replaceWith(document.adoptNode(fresh));
    }).catch(function () { /* the listing stays as it was */ });
  }

  function next() {
    if (!running && pending.length === 0 && arrived > 0) { arrived = 0; refresh(); }
    if (running || pending.length === 0) return;
    running = true;
    var job = pending.shift();
    start(job).then(function () { running = false; next(); },
      function () { running = false; next(); });
  }

  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { j.status = r.status; return j; });
    });
  }

  function refused(job, j) {
    var ui = job.ui;
    ui.li.classList.add("refused");
    ui.state.textContent = j.error || words.failed;
    ui.state.setAttribute("role", "alert");
    if (j.suggestion) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "upload-as";
      b.textContent = words.as + " « " + j.suggestion + " »";
      b.addEventListener("click", function () {
        b.remove();
        ui.li.classList.remove("refused");
        ui.state.removeAttribute("role");
        ui.li.dataset.name = j.suggestion;
        ui.li.querySelector(".upload-name").textContent = j.suggestion + " (" + size(job.file.size) + ")";
        job.name = j.suggestion;
        pending.unshift(job);
        next();
      });
      ui.li.append(b);
    }
  }

  function finished(job) {
    job.ui.bar.value = 100;
    job.ui.state.textContent = words.done;
    job.ui.li.classList.add("done");
    arrived++;
  }

  function start(job) {
    var f = job.file;
    return api("POST", "/upload", { folder: folder, name: job.name, size: f.size, modified: f.lastModified || 0, replace: job.replace })
      .then(function (j) {
        if (j.status === 409 && j.exists) {
          if (!window.confirm(fmt(words.replace, job.name))) { job.ui.state.textContent = words.failed; return; }
          job.replace = true;
          return start(job);
        }
        if (away(j.status)) return retry(job, 0);
        if (j.status !== 200) { refused(job, j); return; }
        if (j.done) { finished(job); return; } // an empty file: committed at once
        if (j.offset > 0) job.ui.state.textContent = fmt(words.resuming, size(j.offset));
        return send(job, j.id, j.offset, 0);
      }, function () { return retry(job, 0); });
  }

  // away: the daemon cannot be reached for now, as its reverse proxy
  // says while it restarts; the page tries again.
  function away(status) { return status >= 502 && status <= 504; }

  function retry(job, tries) {
    if (tries >= 8) { job.ui.state.textContent = words.failed; return Promise.reject(); }
    job.ui.state.textContent = words.retry;
    return new Promise(function (ok) { setTimeout(ok, Math.min(1000 * Math.pow(2, tries), 15000)); })
      .then(function () {
        // replace as the user chose: the server finds the upload to
        // continue before it looks for a file of that name, and asks
        // (409) only when there is none to continue.
        return api("POST", "/upload", { folder: folder, name: job.name, size: job.file.size, modified: job.file.lastModified || 0, replace: !!job.replace })
          .then(function (j) {
            if (away(j.status)) return retry(job, tries + 1);
            if (j.status === 409 && j.exists) return start(job);
            if (j.status !== 200) { refused(job, j); return; }
            return send(job, j.id, j.offset, tries + 1);
          }, function () { return retry(job, tries + 1); });
      });
  }

  function send(job, id, offset, tries) {
    var f = job.file;
    if (offset >= f.size && f.size > 0) return Promise.resolve();
    return new Promise(function (ok, fail) {
      var end = Math.min(offset + CHUNK, f.size);
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", "/upload/" + encodeURIComponent(id) + "?offset=" + offset);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.upload.onprogress = function (e) {
        if (f.size > 0) job.ui.bar.value = Math.floor(100 * (offset + e.loaded) / f.size);
        job.ui.state.textContent = words.sending;
      };
      xhr.onload = function () {
        var j = {};
        try { j = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status === 200 && j.done) {
          finished(job);
          ok();
        } else if (xhr.status === 200) {
          send(job, id, j.offset, 0).then(ok, fail);
        } else if (xhr.status === 409 && typeof j.offset === "number") {
          // Another request of ours still writes (a retry raced its
          // original): continue where the server stands, in a moment.
          setTimeout(function () { send(job, id, j.offset, tries).then(ok, fail); }, 500);
        } else if (xhr.status === 404 || away(xhr.status)) {
          // The server is away (restarting: its reverse proxy answers
          // 502-504) or no longer knows this upload (it restarted, or it
          // dropped it): ask again where to continue.
          retry(job, tries).then(ok, fail);
        } else {
          refused(job, j);
          ok();
        }
      };
      xhr.onerror = function () { retry(job, tries).then(ok, fail); };
      xhr.send(f.slice(offset, end));
    });
  }

  input.addEventListener("change", function () { add(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) { if (e.dataTransfer) add(e.dataTransfer.files); });
})();
