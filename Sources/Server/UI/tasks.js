// The monitor's tasks: the list (#/tasks) with state tabs and their counts, filters kept in the
// URL, rows or all matching selected for revoke / retry / delete, and the Run task form; and one
// task (#/tasks/{id}) with its message, progress, result, error and attempt timeline.

import { canWrite, request } from "./api.js";
import { add, ago, confirmDialog, copyButton, debounce, fill, h, number, progressBar, routeParams, setRouteParams, showError, time, toast, writeButton } from "./dom.js";
import { liveRefresh, seconds, stateBadge } from "./monitor.js";

const STATES = ["PENDING", "STARTED", "PROGRESS", "RETRY", "SUCCESS", "FAILURE", "REVOKED"];
const FILTERS = ["name", "queue", "worker", "q", "since", "until"];
const PAGE = 50;

export function render(root) {
  const params = routeParams();
  const filters = Object.fromEntries(FILTERS.map((key) => [key, params.get(key) || ""]));
  let state = STATES.includes(params.get("state")) ? params.get("state") : "";
  let offset = Math.max(0, Number(params.get("offset")) || 0);
  let selected = new Set();
  let allMatching = false;
  let shown = { items: [], total: 0 };

  const tabs = h("div", { className: "tabs", role: "tablist", id: "state-tabs" });
  const inputs = {
    name: h("input", { type: "text", id: "filter-name", placeholder: "exact task name", value: filters.name }),
    queue: h("input", { type: "text", id: "filter-queue", placeholder: "queue", value: filters.queue }),
    worker: h("input", { type: "text", id: "filter-worker", placeholder: "importer@host:pid", value: filters.worker }),
    q: h("input", { type: "search", id: "filter-q", placeholder: "id prefix, or text in name, args, kwargs, error", value: filters.q }),
    since: h("input", { type: "datetime-local", id: "filter-since", value: localInput(filters.since) }),
    until: h("input", { type: "datetime-local", id: "filter-until", value: localInput(filters.until) }),
  };
  const labels = { name: "Name", queue: "Queue", worker: "Worker", q: "Search", since: "Enqueued from", until: "Enqueued before" };
  const selection = h("span", { id: "selection", className: "hint" });
  const selectAll = h("button", { type: "button", className: "link", id: "select-all-matching", hidden: true });
  const body = h("tbody", { id: "tasks-body" });
  const header = h("input", { type: "checkbox", id: "select-page", "aria-label": "Select every task on this page" });
  const pager = h("div", { className: "pager", id: "tasks-pager" });
  const formPanel = h("section", { className: "panel", id: "run-task-panel", hidden: true });
  const live = liveRefresh(load);

  add(root,
    h("div", { className: "toolbar" }, h("h1", {}, "Tasks"), h("span", { className: "spacer" }), live.control,
      writeButton("Run task", { id: "run-task", onclick: () => openRunForm(formPanel) })),
    formPanel, tabs,
    h("div", { className: "row" }, FILTERS.map((key) => h("label", { htmlFor: inputs[key].id }, labels[key], inputs[key])),
      h("button", { type: "button", className: "secondary", onclick: clearFilters }, "Clear")),
    h("div", { className: "toolbar" }, selection, selectAll, h("span", { className: "spacer" }),
      ["revoke", "retry", "delete"].map((action) => writeButton(action[0].toUpperCase() + action.slice(1), {
        className: action === "delete" ? "danger" : "secondary", id: `bulk-${action}`, onclick: () => bulk(action) }))),
    h("div", { className: "table-wrap" }, h("table", { id: "tasks-table" }, h("thead", {}, h("tr", {}, h("th", {}, header), h("th", {}, "Task"),
      h("th", {}, "State"), h("th", {}, "Queue"), h("th", {}, "Worker"), h("th", {}, "Enqueued"), h("th", {}, "Finished"),
      h("th", { className: "num" }, "Retries"))), body)),
    pager);

  const refilter = debounce(() => {
    for (const key of FILTERS) filters[key] = key === "since" || key === "until" ? isoOf(inputs[key].value) : inputs[key].value.trim();
    offset = 0;
    resetSelection();
    live.refresh();
  }, 300);
  for (const key of FILTERS) inputs[key].addEventListener("input", refilter);
  header.addEventListener("change", () => {
    allMatching = false;
    for (const task of shown.items) header.checked ? selected.add(task.task_id) : selected.delete(task.task_id);
    drawRows();
  });
  selectAll.addEventListener("click", () => {
    allMatching = !allMatching;
    drawRows();
  });

  function clearFilters() {
    for (const key of FILTERS) inputs[key].value = "";
    refilter();
  }

  function resetSelection() {
    selected = new Set();
    allMatching = false;
  }

  /** The filters set (the bulk route refuses empty values, as the listing ignores them). */
  function query() {
    return Object.fromEntries(Object.entries({ ...filters, state }).filter(([, value]) => value));
  }

  async function load() {
    setRouteParams("/tasks", { ...query(), offset: offset || "" });
    const [page, counts] = await Promise.all([
      request("GET", "/tasks", { params: { ...query(), limit: PAGE, offset } }),
      request("GET", "/tasks/counts", { params: filters }),
    ]);
    shown = page;
    drawTabs(counts);
    drawRows();
    drawPager();
    root.dataset.loaded = String(Date.now());
  }

  function drawTabs(counts) {
    const tab = (value, label, count) => h("button", {
      type: "button", role: "tab", "aria-selected": String(state === value), "data-state": value || "ALL",
      onclick: () => {
        state = value;
        offset = 0;
        resetSelection();
        live.refresh();
      },
    }, label, h("span", { className: "count" }, count));
    // A state counted only up to the server's limit (a worker's successes) shows "10,000+".
    const atLeast = new Set(counts.at_least || []);
    fill(tabs, tab("", "All", countText(counts.total, atLeast.size > 0)),
      STATES.map((value) => tab(value, value[0] + value.slice(1).toLowerCase(), countText(counts.counts[value], atLeast.has(value)))));
  }

  function countText(count, atLeast) {
    return number(count) + (atLeast ? "+" : "");
  }

  function totalText() {
    return countText(shown.total, shown.total_exact === false);
  }

  function drawRows() {
    fill(body, shown.items.length ? shown.items.map((task) => {
      const box = h("input", { type: "checkbox", checked: allMatching || selected.has(task.task_id), disabled: allMatching, "aria-label": `Select ${task.task_id}` });
      box.addEventListener("change", () => {
        box.checked ? selected.add(task.task_id) : selected.delete(task.task_id);
        drawSelection();
      });
      return h("tr", { "data-id": task.task_id },
        h("td", {}, box),
        h("td", { className: "wrap" }, h("a", { href: `#/tasks/${task.task_id}` }, task.name), h("div", { className: "hint mono" }, task.task_id)),
        h("td", {}, stateBadge(task.state)),
        h("td", {}, task.queue),
        h("td", { className: "wrap" }, task.worker || "–"),
        h("td", { className: "nowrap", title: time(task.enqueued_at) }, ago(task.enqueued_at)),
        h("td", { className: "nowrap", title: time(task.date_done) }, task.date_done ? ago(task.date_done) : "–"),
        h("td", { className: "num" }, number(task.retries)));
    }) : h("tr", {}, h("td", { colSpan: 8, className: "empty" }, "No task matches.")));
    header.checked = allMatching || (shown.items.length > 0 && shown.items.every((task) => selected.has(task.task_id)));
    drawSelection();
  }

  function drawSelection() {
    const count = allMatching ? shown.total : selected.size;
    selection.textContent = allMatching ? `All ${totalText()} matching tasks selected.` : count ? `${number(count)} selected.` : "Select tasks to act on them.";
    selectAll.hidden = !(allMatching || (header.checked && shown.total > shown.items.length));
    selectAll.textContent = allMatching ? "Select only this page" : `Select all ${totalText()} matching`;
    for (const action of ["revoke", "retry", "delete"]) {
      const button = document.getElementById(`bulk-${action}`);
      if (button && canWrite()) button.disabled = count === 0;
    }
  }

  function drawPager() {
    const last = Math.max(0, Math.ceil(shown.total / PAGE) - 1);
    const current = Math.floor(offset / PAGE);
    const go = (page) => {
      offset = page * PAGE;
      live.refresh();
    };
    fill(pager, h("button", { type: "button", className: "secondary", disabled: current === 0, onclick: () => go(current - 1) }, "‹ Newer"),
      h("span", { className: "hint" }, `Page ${number(current + 1)} of ${countText(last + 1, shown.total_exact === false)} · ${totalText()} tasks`),
      h("button", { type: "button", className: "secondary", disabled: current >= last && !shown.has_more, onclick: () => go(current + 1) }, "Older ›"));
  }

  async function bulk(action) {
    const count = allMatching ? shown.total : selected.size;
    if (!count) return;
    const what = { revoke: "Revoke stops waiting tasks and asks running ones to stop (within a second).",
      retry: "Retry runs each failed or revoked task again as a new, linked task.",
      delete: "Delete removes finished tasks with their history. Unfinished ones are skipped." }[action];
    if ((allMatching || action === "delete") && !(await confirmDialog({
      title: `${action[0].toUpperCase() + action.slice(1)} ${allMatching ? totalText() : number(count)} task${count === 1 ? "" : "s"}?`,
      message: `${what}${allMatching ? " Every task matching the filters is included, also those not on this page." : ""}`,
      confirmLabel: action[0].toUpperCase() + action.slice(1),
    }))) return;
    const body = allMatching ? { action, filter: query() } : { action, ids: [...selected] };
    try {
      const answer = await request("POST", "/tasks/bulk", { body });
      toast(`${action}: ${number(answer.done)} done, ${number(answer.skipped)} skipped of ${number(answer.matched)}`, "ok");
      resetSelection();
    } catch (error) {
      showError(error);
    }
    live.refresh();
  }

  return () => live.stop();
}

async function openRunForm(panel) {
  if (!panel.hidden) {
    panel.hidden = true;
    return;
  }
  let names = [];
  try {
    names = (await request("GET", "/celery/workers")).workers.registered_tasks;
  } catch (error) {
    return showError(error);
  }
  const name = h("select", { id: "run-name", required: true }, names.map((value) => h("option", { value }, value)));
  const args = h("textarea", { id: "run-args", rows: 2, placeholder: "[1, 2]" });
  const kwargs = h("textarea", { id: "run-kwargs", rows: 2, placeholder: "{\"key\": \"value\"}" });
  const queue = h("input", { type: "text", id: "run-queue", placeholder: "the task's own queue" });
  const priority = h("input", { type: "number", id: "run-priority", min: 0, max: 9, value: 5 });
  const countdown = h("input", { type: "number", id: "run-countdown", min: 0, step: "any", placeholder: "0" });
  const message = h("p", { className: "error", role: "alert", id: "run-error" });
  const form = h("form", { id: "run-form" }, h("h2", {}, "Run task"),
    h("div", { className: "row" }, h("label", { htmlFor: "run-name" }, "Registered task", name), h("label", { htmlFor: "run-queue" }, "Queue", queue),
      h("label", { htmlFor: "run-priority" }, "Priority (0–9)", priority), h("label", { htmlFor: "run-countdown" }, "Countdown (s)", countdown)),
    h("label", { htmlFor: "run-args" }, "args (JSON array)"), args, h("label", { htmlFor: "run-kwargs" }, "kwargs (JSON object)"), kwargs, message,
    h("div", { className: "actions" }, h("button", { type: "button", className: "secondary", onclick: () => { panel.hidden = true; } }, "Cancel"),
      h("button", { type: "submit", id: "run-submit" }, "Submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    const body = { name: name.value, priority: Number(priority.value) };
    try {
      if (args.value.trim()) body.args = JSON.parse(args.value);
      if (kwargs.value.trim()) body.kwargs = JSON.parse(kwargs.value);
    } catch (error) {
      message.textContent = `Not JSON: ${error.message}`;
      return;
    }
    if (queue.value.trim()) body.queue = queue.value.trim();
    if (countdown.value) body.countdown = Number(countdown.value);
    try {
      const answer = await request("POST", "/tasks", { body });
      panel.hidden = true;
      toast(h("span", {}, "Submitted ", h("a", { href: `#/tasks/${answer.task_id}`, id: "submitted-task" }, answer.task_id)), "ok");
    } catch (error) {
      message.textContent = error.message;
    }
  });
  fill(panel, form);
  panel.hidden = false;
  name.focus();
}

// MARK: One task

export function renderOne(root, id) {
  const box = h("div", { id: "task-detail" });
  const live = liveRefresh(load);
  add(root, h("div", { className: "toolbar" }, h("a", { href: "#/tasks" }, "‹ Tasks"), h("span", { className: "spacer" }), live.control), box);

  async function load() {
    let task;
    try {
      task = await request("GET", `/tasks/${encodeURIComponent(id)}`);
    } catch (error) {
      fill(box, h("h1", {}, "Task"), h("p", { className: "error" }, error.message));
      live.stop();
      return;
    }
    fill(box, await detail(task, live));
    root.dataset.loaded = String(Date.now());
    if (["SUCCESS", "FAILURE", "REVOKED"].includes(task.state)) live.stop(); // nothing changes any more but a retry link
  }
  return () => live.stop();
}

async function detail(task, live) {
  const finished = ["SUCCESS", "FAILURE", "REVOKED"].includes(task.state);
  const act = async (action, done) => {
    try {
      const answer = await action();
      toast(done, "ok");
      if (answer && answer.task_id && answer.retry_of) location.hash = `#/tasks/${answer.task_id}`;
    } catch (error) {
      showError(error);
    }
    live.refresh();
  };
  const facts = [["Id", h("span", { className: "mono" }, task.task_id, " ", copyButton(task.task_id))], ["State", stateBadge(task.state)],
    ["Queue", task.queue], ["Priority", task.priority], ["Worker", task.worker || "–"], ["Enqueued", time(task.enqueued_at)],
    ["Due (ETA)", time(task.run_at)], ["Started", time(task.started_at)], ["Finished", time(task.date_done)],
    ["Runtime", task.started_at && task.date_done ? seconds((new Date(task.date_done) - new Date(task.started_at)) / 1000) : "–"],
    ["Deliveries", `${task.deliveries} (${task.retries} retries, ${task.lost_deliveries} lost)`], ["Result kept until", time(task.expires_at)]];
  const links = await relatedLinks(task);
  const progress = progressOf(task);
  return [
    h("div", { className: "toolbar" }, h("h1", { className: "wrap" }, task.name), h("span", { className: "spacer" }),
      finished ? null : writeButton("Revoke", { id: "task-revoke", className: "danger",
        onclick: () => act(() => request("POST", `/tasks/${task.task_id}/revoke`), "Revoke requested") }),
      ["FAILURE", "REVOKED"].includes(task.state) && !task.retried_as ? writeButton("Retry", { id: "task-retry",
        onclick: () => act(() => request("POST", `/tasks/${task.task_id}/retry`), "Submitted again") }) : null),
    h("section", { className: "panel" }, h("dl", { className: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
      links.length ? h("p", {}, links) : null),
    progress,
    task.error ? h("section", { className: "panel" }, h("h2", {}, "Error"), h("p", { className: "error", id: "task-error" }, `${task.error.type}: ${task.error.message}`),
      task.error.context ? json("Context", task.error.context) : null) : null,
    h("section", { className: "panel" }, h("h2", {}, "Message and result"), json("args", task.args, true), json("kwargs", task.kwargs, true),
      json("result", task.result, task.state === "SUCCESS")),
    h("section", { className: "panel" }, h("h2", {}, "Attempts"), h("ol", { className: "timeline", id: "attempts" }, task.attempts.length ? task.attempts.map((attempt) =>
      h("li", { className: attempt.outcome === "SUCCESS" ? "good" : attempt.error || ["FAILURE", "LOST"].includes(attempt.outcome) ? "bad" : "" },
        h("b", {}, `Delivery ${attempt.delivery}: ${attempt.outcome || "running"}`), " ",
        h("span", { className: "muted" }, `${attempt.worker} · ${time(attempt.started_at)} → ${attempt.finished_at ? time(attempt.finished_at) : "…"}`),
        attempt.error ? h("div", { className: "error" }, `${attempt.error.type}: ${attempt.error.message}`) : null))
      : h("li", { className: "muted" }, task.state === "REVOKED" ? "Revoked before it ran." : "Not started yet."))),
  ];
}

function progressOf(task) {
  const meta = task.progress;
  if (!meta || typeof meta !== "object") return null;
  const percent = typeof meta.percent === "number" ? meta.percent : meta.total ? (100 * meta.current) / meta.total : null;
  if (percent === null) return h("section", { className: "panel" }, h("h2", {}, "Progress"), json("meta", meta, true));
  const bar = progressBar("Progress");
  bar.set(percent, task.state === "SUCCESS" ? "done" : task.state === "FAILURE" ? "failed" : "");
  bar.element.id = "task-progress";
  return h("section", { className: "panel" }, h("h2", {}, `Progress: ${percent.toFixed(1)} %`), bar.element,
    meta.message || meta.stage ? h("p", { className: "hint" }, meta.message || meta.stage) : null);
}

/** Links to the task it re-runs or that re-runs it, and to its import or webhook delivery. */
async function relatedLinks(task) {
  const links = [];
  if (task.retry_of) links.push(h("a", { href: `#/tasks/${task.retry_of}`, id: "link-retry-of" }, "re-runs an earlier task"), " ");
  if (task.retried_as) links.push(h("a", { href: `#/tasks/${task.retried_as}`, id: "link-retried-as" }, "re-run as a later task"), " ");
  const importID = task.kwargs && task.kwargs.import_id;
  if (importID) links.push(h("a", { href: `#/imports/${encodeURIComponent(importID)}`, id: "link-import" }, "its import"), " ");
  const deliveryID = task.kwargs && task.kwargs.delivery_id;
  if (deliveryID) {
    try {
      const delivery = await request("GET", `/webhooks/deliveries/${encodeURIComponent(deliveryID)}`);
      links.push(h("a", { href: `#/webhooks/${delivery.webhook_id}`, id: "link-delivery" }, `its webhook delivery (${delivery.event}, ${delivery.state})`));
    } catch {
      links.push(h("span", { className: "muted" }, "its webhook delivery is gone"));
    }
  }
  return links;
}

function json(label, value, open = false) {
  const text = JSON.stringify(value, null, 2);
  return h("details", { className: "json", open }, h("summary", {}, label, " ", copyButton(text)), h("pre", {}, text));
}

/** The URL's ISO time as a datetime-local value, and back. */
function localInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (isNaN(date)) return "";
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function isoOf(local) {
  return local ? new Date(local).toISOString() : "";
}
