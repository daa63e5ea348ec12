/* The export job page's only script (the CSP allows no inline script).
 *
 * Polls the job's status JSON (data-status-url on #export-job) every 1.5 s and updates the
 * progress bar, the count, the state and the download link, until the job is done, failed
 * or expired. Without JavaScript the page refreshes itself (<noscript> meta refresh).
 */
(function () {
  "use strict";

  var INTERVAL = 1500;
  var MAX_FAILURES = 10;
  var FINAL = { done: true, failed: true, expired: true };

  var page = document.getElementById("export-job");
  if (!page || !window.fetch) { return; }
  var url = page.getAttribute("data-status-url");
  var bar = document.getElementById("export-progress");
  var count = document.getElementById("export-count");
  var stateBadge = document.getElementById("export-state");
  var error = document.getElementById("export-error");
  var download = document.getElementById("export-download");
  var link = document.getElementById("export-download-link");
  var failures = 0;

  function show(data) {
    stateBadge.textContent = data.state_label;
    stateBadge.className = "status status-" + data.state;
    if (data.rows_total > 0) {
      bar.max = data.rows_total;
      bar.value = data.rows_done;
    } else if (data.state === "done") {
      bar.max = 1;
      bar.value = 1;
    } else {
      bar.removeAttribute("value");  // indeterminate until the reports are counted
    }
    count.textContent = "已导出 " + data.rows_done + " / " + data.rows_total + " " + (data.unit || "份报表");
    error.textContent = data.error || "";
    error.hidden = !data.error;
    if (data.download_url) {
      link.href = data.download_url;
      download.hidden = false;
    } else {
      download.hidden = true;
    }
  }

  function giveUp() {
    error.textContent = "暂时无法获取导出进度，请刷新页面。";
    error.hidden = false;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store",
                 headers: { Accept: "application/json" } })
      .then(function (response) {
        // A signed-out session answers with the login page, not JSON.
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") !== 0) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (!FINAL[data.state]) { window.setTimeout(poll, INTERVAL); }
      })
      .catch(function () {
        failures += 1;
        if (failures >= MAX_FAILURES) { giveUp(); return; }
        window.setTimeout(poll, INTERVAL * failures);
      });
  }

  if (!FINAL[page.getAttribute("data-state")]) { window.setTimeout(poll, INTERVAL); }
})();
