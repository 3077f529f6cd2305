// The task monitor's overview (#/monitor) and what every monitor page shares: live refresh at
// 1/2/5/10 s or off, paused while the tab is hidden. The overview is one request
// (GET /monitor/overview) over cheap views only (queue depths from the claim index, workers, the
// per-minute stats rollup, the newest dead letters), so a refresh costs the server little even
// with a million finished tasks.

import { request } from "./api.js";
import { add, ago, fill, h, number, routeParams, setRouteParams } from "./dom.js";
import { throughputChart } from "./chart.js";

const REFRESH_KEY = "importer.refresh";

/**
 * Calls `load` now and then every chosen interval while the tab is visible; returns the control
 * to place on the page and `stop` for the page's clean-up. One load at a time.
 */
export function liveRefresh(load) {
  const select = h("select", { id: "refresh-interval", "aria-label": "Refresh interval" },
    [["0", "off"], ["1", "1 s"], ["2", "2 s"], ["5", "5 s"], ["10", "10 s"]].map(([value, text]) => h("option", { value }, text)));
  select.value = localStorage.getItem(REFRESH_KEY) || "5";
  let timer = null;
  let stopped = false;
  let running = false;
  const schedule = () => {
    clearTimeout(timer);
    const seconds = Number(select.value);
    if (!stopped && seconds > 0 && !document.hidden) timer = setTimeout(tick, seconds * 1000);
  };
  async function tick() {
    if (stopped || running) return;
    running = true;
    try {
      await load();
    } catch {
      // The banner says when the server is unreachable; the next tick tries again.
    } finally {
      running = false;
    }
    schedule();
  }
  const visibility = () => (document.hidden ? clearTimeout(timer) : tick());
  document.addEventListener("visibilitychange", visibility);
  select.addEventListener("change", () => {
    localStorage.setItem(REFRESH_KEY, select.value);
    schedule();
  });
  tick();
  return {
    control: h("label", { className: "refresh" }, "Refresh", select),
    refresh: tick,
    stop() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", visibility);
    },
  };
}

export function stateBadge(state) {
  const kind = { SUCCESS: "ok", FAILURE: "bad", REVOKED: "warn", RETRY: "warn" }[state] || "";
  return h("span", { className: `badge ${kind}`, "data-state": state }, state);
}

export function render(root) {
  const range = ["1h", "24h", "7d"].includes(routeParams().get("range")) ? routeParams().get("range") : "1h";
  const tiles = h("div", { className: "tiles", id: "overview-tiles" });
  const chartBox = h("div", { id: "throughput" });
  const chartTitle = h("h2", {}, "Throughput");
  const rangeSelect = h("select", { id: "throughput-range", "aria-label": "Chart range" },
    [["1h", "last hour, per minute"], ["24h", "last 24 h, per 10 min"], ["7d", "last 7 days, per hour"]].map(([value, text]) => h("option", { value }, text)));
  rangeSelect.value = range;
  const queuesBody = h("tbody", { id: "overview-queues" });
  const timings = h("tbody", { id: "overview-timings" });
  const failures = h("ul", { className: "timeline", id: "recent-failures" });
  const live = liveRefresh(load);
  rangeSelect.addEventListener("change", () => {
    setRouteParams("/monitor", { range: rangeSelect.value });
    live.refresh();
  });
  add(root,
    h("div", { className: "toolbar" }, h("h1", {}, "Monitor"), h("span", { className: "spacer" }), live.control),
    tiles,
    h("section", { className: "panel" }, h("div", { className: "toolbar" }, chartTitle, h("span", { className: "spacer" }), rangeSelect), chartBox),
    h("div", { className: "row top" },
      h("section", { className: "panel half" }, h("h2", {}, "Queues"),
        h("div", { className: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Queue"), h("th", { className: "num" }, "Waiting"),
          h("th", { className: "num" }, "Running"), h("th", { className: "num" }, "Delayed"), h("th", { className: "num" }, "Failed"), h("th", {}, "Oldest waiting"))), queuesBody))),
      h("section", { className: "panel half" }, h("h2", {}, "Recent failures"), failures)),
    h("section", { className: "panel" }, h("h2", {}, "Run times (last hour)"),
      h("div", { className: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Task"), h("th", { className: "num" }, "Succeeded"),
        h("th", { className: "num" }, "Failed"), h("th", { className: "num" }, "p50"), h("th", { className: "num" }, "p95"), h("th", { className: "num" }, "Max"),
        h("th", { className: "num" }, "Wait p95"))), timings))));

  async function load() {
    // One request: the server answers the whole refresh in one go.
    const overview = await request("GET", "/monitor/overview", { params: { range: rangeSelect.value } });
    const { queues: queueItems, workers, throughput: series, tasks, recent_failures: failedItems } = overview;
    const queues = { items: queueItems };
    const failed = { items: failedItems };
    const sum = (field) => queues.items.reduce((total, queue) => total + queue[field], 0);
    const online = workers.online;
    const lastHour = tasks.items.reduce((total, task) => ({ ok: total.ok + task.succeeded, bad: total.bad + task.failed }), { ok: 0, bad: 0 });
    fill(tiles,
      tile("Waiting", sum("waiting"), "#/tasks?state=PENDING", "overview-waiting"),
      tile("Running", sum("running"), "#/tasks?state=STARTED", "overview-running"),
      tile("Delayed", sum("delayed"), "#/tasks?state=PENDING", "overview-delayed"),
      tile("Retrying", sum("retrying"), "#/tasks?state=RETRY", "overview-retrying"),
      tile("Dead letters", sum("failed"), "#/tasks?state=FAILURE", "overview-failed"),
      tile("Succeeded, 1 h", lastHour.ok, "#/tasks?state=SUCCESS", "overview-succeeded"),
      tile("Failed, 1 h", lastHour.bad, "#/tasks?state=FAILURE", "overview-failed-hour"),
      tile("Workers online", online, "#/workers", "overview-workers"));
    chartTitle.textContent = `Throughput: ${number(series.totals.succeeded)} succeeded, ${number(series.totals.failed)} failed`;
    fill(chartBox, throughputChart(series));
    fill(queuesBody, queues.items.length ? queues.items.map((queue) => h("tr", {},
      h("td", {}, h("a", { href: `#/tasks?queue=${encodeURIComponent(queue.name)}` }, queue.name), queue.paused ? h("span", { className: "badge warn" }, "paused") : null),
      h("td", { className: "num" }, number(queue.waiting)), h("td", { className: "num" }, number(queue.running)),
      h("td", { className: "num" }, number(queue.delayed)), h("td", { className: "num" }, number(queue.failed)),
      h("td", { className: "nowrap" }, queue.oldest_waiting_age === null ? "–" : `${queue.oldest_waiting_age.toFixed(1)} s`)))
      : h("tr", {}, h("td", { colSpan: 6, className: "muted" }, "No queue has tasks.")));
    fill(failures, failed.items.length ? failed.items.map((task) => h("li", { className: "bad" },
      h("a", { href: `#/tasks/${task.task_id}` }, task.name), " ", h("span", { className: "muted" }, `${task.queue} · ${ago(task.date_done)}`)))
      : h("li", { className: "muted" }, "None: no dead letters."));
    fill(timings, tasks.items.length ? tasks.items.map((task) => h("tr", {},
      h("td", { className: "wrap" }, h("a", { href: `#/tasks?name=${encodeURIComponent(task.name)}` }, task.name)),
      h("td", { className: "num" }, number(task.succeeded)), h("td", { className: "num" }, number(task.failed)),
      h("td", { className: "num" }, seconds(task.runtime.p50)), h("td", { className: "num" }, seconds(task.runtime.p95)),
      h("td", { className: "num" }, seconds(task.runtime.max)), h("td", { className: "num" }, seconds(task.wait.p95))))
      : h("tr", {}, h("td", { colSpan: 7, className: "muted" }, "No task finished in the last hour.")));
    root.dataset.loaded = String(Date.now());
  }

  return () => live.stop();
}

function tile(label, value, href, id) {
  return h("a", { href, id }, h("b", {}, number(value)), h("span", {}, label));
}

/** A duration in seconds as ms below one second. */
export function seconds(value) {
  if (value === null || value === undefined) return "–";
  if (value < 1) return `${(value * 1000).toFixed(value < 0.01 ? 2 : 1)} ms`;
  return `${value.toFixed(value < 10 ? 2 : 1)} s`;
}
