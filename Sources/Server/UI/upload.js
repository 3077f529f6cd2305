// Upload: a CSV by drop or file picker (options atomic and dry run), the transfer's progress,
// then the import's live progress from its event stream (#/imports/{id}, so a reload re-attaches),
// cancel, retry, the row errors with a CSV download, and the import history.

import { canWrite, download, events, request, upload } from "./api.js";
import { add, ago, bytes, duration, fill, h, number, progressBar, showError, toast, writeButton } from "./dom.js";

const STAGES = { parsing: "Parsing CSV", validating: "Validating", importing: "Importing", complete: "Import Complete" };

export function render(root, importID) {
  const stop = new AbortController();
  const history = h("section", { "aria-labelledby": "history-title" });
  const refreshHistory = showHistory(history, stop.signal);
  add(root, h("h1", {}, importID ? "Import" : "Upload a CSV"), importID ? followImport(importID, stop.signal, refreshHistory) : chooser(), history);
  return () => stop.abort();
}

function chooser() {
  const input = h("input", { type: "file", id: "file-input", accept: ".csv,text/csv", "aria-label": "CSV file" });
  const picked = h("p", { className: "muted", id: "picked" }, "No file chosen");
  const atomic = h("input", { type: "checkbox", id: "opt-atomic" });
  const dryRun = h("input", { type: "checkbox", id: "opt-dry-run" });
  const transfer = progressBar("Upload progress");
  const status = h("p", { id: "transfer-status", role: "status" });
  const send = writeButton("Upload and import", { id: "upload-button", disabled: true });
  transfer.element.hidden = true;
  let file = null;

  const choose = (chosen) => {
    file = chosen;
    picked.textContent = file ? `${file.name} — ${bytes(file.size)}` : "No file chosen";
    send.disabled = !file || !canWrite();
  };
  input.addEventListener("change", () => choose(input.files[0] || null));
  const zone = h("div", { className: "dropzone", id: "dropzone" },
    h("p", {}, "Drop a CSV file here, or choose one:"),
    input,
    picked,
    h("p", { className: "hint" }, "Columns: sku, name, description (and optionally active). Rows with an existing SKU (any case) update that product."));
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files.length) choose(event.dataTransfer.files[0]);
  });

  send.addEventListener("click", async () => {
    if (!file) return;
    send.disabled = true;
    transfer.element.hidden = false;
    status.textContent = "Uploading…";
    const started = performance.now();
    try {
      const params = { atomic: atomic.checked || undefined, dry_run: dryRun.checked || undefined };
      const answer = await upload(file, params, (sent, total) => {
        transfer.set((sent / total) * 100);
        const seconds = (performance.now() - started) / 1000;
        status.textContent = `Uploading ${bytes(sent)} of ${bytes(total)} (${bytes(sent / Math.max(seconds, 0.001))}/s)`;
      });
      transfer.set(100, "done");
      toast(`${answer.filename} uploaded: import started`, "ok");
      location.hash = `#/imports/${answer.import_id}`;
    } catch (error) {
      transfer.set(100, "failed");
      status.textContent = `Upload failed: ${error.message}`;
      status.className = "error";
      send.disabled = false;
    }
  });

  return h("section", { className: "panel" },
    zone,
    h("div", { className: "row" },
      h("label", { className: "check" }, atomic, "Atomic (all rows or none)"),
      h("label", { className: "check" }, dryRun, "Dry run (validate only, change nothing)")),
    h("div", { className: "actions" }, send),
    transfer.element, status,
    canWrite() ? null : h("p", { className: "hint" }, "Read-only: enter the server's token (top right) to upload."));
}

/** The import's live progress; `finished` is called once it has ended. */
function followImport(id, signal, finished) {
  const title = h("div", { className: "stage", id: "import-stage", role: "status" }, "Connecting…");
  const bar = progressBar("Import progress");
  const detail = h("p", { className: "muted", id: "import-detail" });
  const stats = h("div", { className: "stats", id: "import-stats" });
  const actions = h("div", { className: "actions", id: "import-actions" });
  const errors = h("section", { id: "import-errors" });
  const panel = h("section", { className: "panel" }, title, bar.element, detail, stats, actions, errors);
  let last = null;

  const show = (record, event) => {
    last = record;
    const running = record.state === "PENDING" || record.state === "RUNNING";
    const failed = event === "failed" || record.state === "FAILURE" || record.state === "REVOKED";
    title.textContent = failed
      ? (record.state === "REVOKED" ? "Import cancelled" : "Import failed")
      : record.state === "PENDING" ? "Waiting for a worker…" : STAGES[record.stage] || record.message || record.stage || "Starting…";
    title.className = `stage ${failed ? "error" : record.state === "SUCCESS" ? "ok" : ""}`;
    bar.set(record.state === "SUCCESS" ? 100 : record.percent, failed ? "failed" : record.state === "SUCCESS" ? "done" : "");
    const elapsed = record.duration_seconds || 0;
    const rate = elapsed > 0 ? record.rows_processed / elapsed : 0;
    const eta = running && record.percent > 0 && elapsed > 0 ? (elapsed * (100 - record.percent)) / record.percent : NaN;
    const options = [record.options && record.options.atomic ? "atomic" : "", record.options && record.options.dry_run ? "dry run" : ""].filter(Boolean);
    fill(detail, `${record.filename || "upload"} · ${bytes(record.bytes_read)} of ${bytes(record.bytes_total)}`,
      options.length ? ` · ${options.join(", ")}` : "", failed && record.error ? h("span", { className: "error", id: "import-reason" }, ` · ${record.error}`) : null,
      failed && !record.error && record.message ? h("span", { className: "error", id: "import-reason" }, ` · ${record.message}`) : null);
    fill(stats,
      stat("Rows", number(record.rows_processed)), stat("Rows/s", rate ? number(Math.round(rate)) : "–"),
      stat(running ? "ETA" : "Took", running ? duration(eta) : duration(elapsed)), stat("Created", number(record.created)),
      stat("Updated", number(record.updated)), stat("Skipped", number(record.skipped)), stat("Row errors", number(record.errors)));
    fill(actions);
    if (running && record.task_id) {
      actions.append(writeButton("Cancel import", { className: "danger", id: "cancel-import", onclick: () => cancel(record) }));
    } else if (failed) {
      actions.append(h("a", { href: "#/upload", className: "button-like secondary", id: "choose-another" }, "Choose another file"),
        writeButton("Retry", { id: "retry-import", onclick: () => retry(record) }));
    } else {
      actions.append(h("a", { href: "#/upload", className: "button-like", id: "upload-another" }, "Upload another file"),
        h("a", { href: "#/products", className: "button-like secondary" }, "See products"));
    }
  };

  const follow = async () => {
    while (!signal.aborted) {
      try {
        await events(`/imports/${id}/events`, (event, record) => show(record, event), signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error.status === 404) {
          title.textContent = "No such import";
          detail.textContent = error.message;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
        continue;
      }
      if (last && last.state !== "PENDING" && last.state !== "RUNNING") break;
    }
    if (signal.aborted) return;
    finished();
    if (last && last.errors > 0) showErrors(errors, last);
  };
  follow();
  return panel;
}

function stat(label, value) {
  return h("div", {}, h("b", {}, value), h("span", {}, label));
}

async function cancel(record) {
  try {
    const answer = await request("POST", `/tasks/${record.task_id}/revoke`);
    toast(answer.status === "noop" ? "The import had already finished" : "Cancelling: the import stops at its next batch", "ok");
  } catch (error) {
    showError(error, "Cancel failed: ");
  }
}

async function retry(record) {
  try {
    const answer = await request("POST", `/imports/${record.import_id}/retry`);
    toast("Retrying the import", "ok");
    location.hash = `#/imports/${answer.import_id}`;
  } catch (error) {
    showError(error, "Retry failed: ");
  }
}

async function showErrors(section, record) {
  try {
    const page = await request("GET", `/imports/${record.import_id}/errors`, { params: { limit: 100 } });
    const rows = page.items.map((item) => h("tr", {},
      h("td", { className: "num" }, number(item.line)), h("td", {}, item.column || "–"), h("td", {}, item.reason),
      h("td", { className: "excerpt mono" }, item.raw || "")));
    fill(section,
      h("div", { className: "toolbar" }, h("h2", {}, `Row errors (${number(page.total)})`), h("span", { className: "spacer" }),
        h("button", { type: "button", className: "secondary", id: "errors-csv",
          onclick: () => download(`/imports/${record.import_id}/errors`, { format: "csv" }, `import-${record.import_id}-errors.csv`).catch((error) => showError(error)) },
        "Download CSV")),
      h("div", { className: "table-wrap" }, h("table", { id: "errors-table" },
        h("thead", {}, h("tr", {}, h("th", { className: "num" }, "Line"), h("th", {}, "Column"), h("th", {}, "Reason"), h("th", {}, "Row"))),
        h("tbody", {}, rows))),
      page.total > rows.length ? h("p", { className: "hint" }, `The first ${rows.length} are shown; the CSV has all that were kept.`) : null);
  } catch (error) {
    fill(section, h("p", { className: "error" }, `Row errors could not be read: ${error.message}`));
  }
}

/** The last 10 imports, refreshed every 5 s; returns the refresh. */
function showHistory(section, signal) {
  const refresh = async () => {
    try {
      const page = await request("GET", "/imports", { params: { limit: 10 } });
      if (signal.aborted) return;
      const rows = page.items.map((item) => h("tr", {},
        h("td", {}, h("a", { href: `#/imports/${item.import_id}` }, item.filename || "upload")),
        h("td", {}, h("span", { className: `badge ${badge(item.state)}` }, item.state)),
        h("td", { className: "num" }, item.state === "SUCCESS" || item.state === "RUNNING" ? `${Math.round(item.percent)}%` : "–"),
        h("td", { className: "num" }, number(item.rows_processed)), h("td", { className: "num" }, number(item.created)),
        h("td", { className: "num" }, number(item.updated)), h("td", { className: "num" }, number(item.errors)),
        h("td", {}, ago(item.created_at))));
      fill(section, h("h2", { id: "history-title" }, "Recent imports"),
        rows.length
          ? h("div", { className: "table-wrap" }, h("table", { id: "history-table" },
            h("thead", {}, h("tr", {}, h("th", {}, "File"), h("th", {}, "State"), h("th", { className: "num" }, "Done"),
              h("th", { className: "num" }, "Rows"), h("th", { className: "num" }, "Created"), h("th", { className: "num" }, "Updated"),
              h("th", { className: "num" }, "Errors"), h("th", {}, "Started"))),
            h("tbody", {}, rows)))
          : h("p", { className: "empty" }, "No imports yet: upload a CSV above."));
    } catch (error) {
      if (!signal.aborted) fill(section, h("h2", { id: "history-title" }, "Recent imports"), h("p", { className: "error" }, error.message));
    }
  };
  refresh();
  const timer = setInterval(refresh, 5000);
  signal.addEventListener("abort", () => clearInterval(timer));
  return refresh;
}

function badge(state) {
  return { SUCCESS: "ok", FAILURE: "bad", REVOKED: "warn" }[state] || "";
}
