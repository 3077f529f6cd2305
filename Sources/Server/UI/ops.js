// The monitor's operations pages: workers (#/workers) with quiet / resume / stop, queues
// (#/queues) with depths, a sparkline, pause / resume and purge, and schedules (#/schedules)
// with the spec in words, the enabled toggle and Run now. All refresh live.

import { canWrite, request } from "./api.js";
import { add, ago, confirmDialog, duration, fill, h, number, showError, toast, writeButton } from "./dom.js";
import { sparkline } from "./chart.js";
import { liveRefresh } from "./monitor.js";

function page(root, title, hint, table, load) {
  const live = liveRefresh(async () => {
    await load();
    root.dataset.loaded = String(Date.now());
  });
  add(root, h("div", { className: "toolbar" }, h("h1", {}, title), h("span", { className: "spacer" }), live.control),
    h("p", { className: "hint" }, hint), table);
  return live;
}

function tableOf(id, headers, body) {
  return h("div", { className: "table-wrap" }, h("table", { id },
    h("thead", {}, h("tr", {}, headers.map(([text, numeric]) => h("th", { className: numeric ? "num" : "" }, text)))), body));
}

/** Runs an action, tells the result, refreshes the page. */
async function act(live, action, done) {
  try {
    await action();
    toast(done, "ok");
  } catch (error) {
    showError(error);
  }
  live.refresh();
}

// MARK: Workers

export function renderWorkers(root) {
  const body = h("tbody", { id: "workers-body" });
  const live = page(root, "Workers", "Each worker process, from its heartbeat (every 2 s). Quiet stops it claiming tasks (running ones finish); " +
    "Stop shuts it down warm. Both are obeyed within a second, whichever process serves this page.", tableOf("workers-table", [
    ["Worker"], ["Status"], ["Pools"], ["Running now"], ["Processed", true], ["Failed", true], ["Heartbeat"], ["Started"], ["Actions"]], body), load);

  async function load() {
    const workers = await request("GET", "/workers");
    fill(body, workers.items.length ? workers.items.map(row) : h("tr", {}, h("td", { colSpan: 9, className: "muted" }, "No worker has sent a heartbeat in the last day.")));
  }

  function row(worker) {
    const name = encodeURIComponent(worker.name);
    const status = worker.control === "stop" ? ["stopping", "warn"] : worker.control === "quiet" ? ["quiet", "warn"]
      : worker.status === "online" ? ["online", "ok"] : ["stale", "bad"];
    const control = (verb, label, message) => writeButton(label, {
      className: "link", "aria-label": `${label} ${worker.name}`,
      onclick: async () => {
        if (verb === "stop" && !(await confirmDialog({ title: "Stop this worker?", confirmLabel: "Stop",
          message: `${worker.name} stops claiming, finishes its running tasks (within shutdown_grace) and exits. It does not start again by itself.` }))) return;
        act(live, () => request("POST", `/workers/${name}/${verb}`), message);
      },
    });
    return h("tr", { "data-worker": worker.name },
      h("td", { className: "wrap" }, h("b", {}, worker.name), h("div", { className: "hint" }, `${worker.host} · pid ${worker.pid}`)),
      h("td", {}, h("span", { className: `badge ${status[1]}`, "data-status": status[0] }, status[0])),
      h("td", {}, worker.pools.map((pool) => h("span", { className: "badge" }, `${pool.queues.join(", ")} × ${pool.concurrency}`))),
      h("td", {}, worker.active.length ? worker.active.map((task) => h("div", {},
        h("a", { href: `#/tasks/${task.task_id}` }, task.name), " ",
        h("span", { className: "muted" }, `${duration(task.runtime_seconds)}${percent(task.progress)}`))) : h("span", { className: "muted" }, "idle")),
      h("td", { className: "num" }, number(worker.processed)), h("td", { className: "num" }, number(worker.failed)),
      h("td", { className: "nowrap" }, `${worker.heartbeat_age_seconds.toFixed(1)} s ago`),
      h("td", { className: "nowrap" }, ago(worker.started_at)),
      h("td", { className: "nowrap" }, worker.control === "stop" ? h("span", { className: "muted" }, "stopping") : [
        worker.control === "quiet" ? control("resume", "Resume", `${worker.name} claims again`) : control("quiet", "Quiet", `${worker.name} stops claiming`),
        control("stop", "Stop", `${worker.name} is shutting down`)]));
  }
  return () => live.stop();
}

function percent(progress) {
  if (!progress || typeof progress !== "object") return "";
  if (typeof progress.percent === "number") return ` · ${progress.percent.toFixed(0)} %`;
  if (progress.current !== undefined && progress.total) return ` · ${Math.round((100 * progress.current) / progress.total)} %`;
  return "";
}

// MARK: Queues

export function renderQueues(root) {
  const body = h("tbody", { id: "queues-body" });
  const live = page(root, "Queues", "Tasks per queue now; the line is tasks finished per minute over the last hour. A paused queue keeps its tasks " +
    "(running ones finish) until it is resumed; purge deletes its waiting tasks.", tableOf("queues-table", [
    ["Queue"], ["Waiting", true], ["Delayed", true], ["Running", true], ["Retrying", true], ["Dead letters", true], ["Oldest waiting"], ["Last hour"], ["Actions"]], body), load);

  async function load() {
    const queues = await request("GET", "/queues");
    const lines = await Promise.all(queues.items.map((queue) => request("GET", "/stats/timeseries", { params: { range: "1h", queue: queue.name } })));
    fill(body, queues.items.length ? queues.items.map((queue, index) => row(queue, lines[index]))
      : h("tr", {}, h("td", { colSpan: 9, className: "muted" }, "No queue has tasks yet.")));
  }

  function row(queue, series) {
    const name = encodeURIComponent(queue.name);
    const finished = series.points.map((point) => point.succeeded + point.failed);
    return h("tr", { "data-queue": queue.name },
      h("td", {}, h("a", { href: `#/tasks?queue=${name}` }, queue.name), queue.paused ? h("span", { className: "badge warn", "data-paused": "true" }, "paused") : null),
      h("td", { className: "num" }, number(queue.waiting)), h("td", { className: "num" }, number(queue.delayed)),
      h("td", { className: "num" }, number(queue.running)), h("td", { className: "num" }, number(queue.retrying)),
      h("td", { className: "num" }, number(queue.failed)),
      h("td", { className: "nowrap" }, queue.oldest_waiting_age === null ? "–" : duration(queue.oldest_waiting_age)),
      h("td", {}, sparkline(finished, { title: `${queue.name}: ${number(series.totals.succeeded + series.totals.failed)} finished in the last hour` })),
      h("td", { className: "nowrap" },
        writeButton(queue.paused ? "Resume" : "Pause", { className: "link", "aria-label": `${queue.paused ? "Resume" : "Pause"} ${queue.name}`,
          onclick: () => act(live, () => request("POST", `/queues/${name}/${queue.paused ? "resume" : "pause"}`), `${queue.name} ${queue.paused ? "resumed" : "paused"}`) }),
        writeButton("Purge", { className: "link", "aria-label": `Purge ${queue.name}`,
          onclick: async () => {
            if (!(await confirmDialog({ title: `Purge ${queue.name}?`, confirmLabel: "Purge", typed: queue.name,
              message: `Deletes the ${number(queue.waiting + queue.delayed)} waiting and delayed tasks of ${queue.name}. Running tasks finish.` }))) return;
            act(live, async () => {
              const answer = await request("POST", `/queues/${name}/purge`);
              toast(`${number(answer.purged)} tasks deleted`, "ok");
            }, `${queue.name} purged`);
          } })));
  }
  return () => live.stop();
}

// MARK: Schedules

export function renderSchedules(root) {
  const body = h("tbody", { id: "schedules-body" });
  const live = page(root, "Schedules", "Beat's periodic tasks (the configured schedules and the built-in ones). Each due time is enqueued exactly once, " +
    "whichever process runs beat. Run now enqueues one more run without changing the timing.", tableOf("schedules-table", [
    ["Name"], ["Task"], ["When"], ["Zone"], ["Enabled"], ["Next run"], ["Last run"], ["Actions"]], body), load);

  async function load() {
    const schedules = await request("GET", "/schedules", { params: { limit: 1000 } });
    fill(body, schedules.items.length ? schedules.items.map(row) : h("tr", {}, h("td", { colSpan: 8, className: "muted" }, "No schedules.")));
  }

  function row(schedule) {
    const name = encodeURIComponent(schedule.name);
    const toggle = h("input", { type: "checkbox", checked: schedule.enabled, "aria-label": `Enabled: ${schedule.name}` });
    toggle.disabled = !canWrite();
    toggle.addEventListener("change", () => act(live, () => request("POST", `/schedules/${name}/${toggle.checked ? "enable" : "disable"}`),
      `${schedule.name} ${toggle.checked ? "enabled" : "disabled"}`));
    return h("tr", { "data-schedule": schedule.name },
      h("td", {}, h("b", {}, schedule.name), schedule.configured ? null : h("div", { className: "hint" }, "no longer configured")),
      h("td", { className: "wrap" }, h("a", { href: `#/tasks?name=${encodeURIComponent(schedule.task)}` }, schedule.task), h("div", { className: "hint" }, `queue ${schedule.queue}`)),
      h("td", {}, describeSpec(schedule.spec), h("div", { className: "hint mono" }, schedule.spec)),
      h("td", {}, schedule.timezone),
      h("td", {}, toggle),
      h("td", { className: "nowrap" }, schedule.enabled && schedule.next_run ? ago(schedule.next_run) : "–"),
      h("td", { className: "nowrap" }, schedule.last_task_id ? h("a", { href: `#/tasks/${schedule.last_task_id}` }, ago(schedule.last_run)) : ago(schedule.last_run)),
      h("td", {}, writeButton("Run now", { className: "link", "aria-label": `Run ${schedule.name} now`,
        onclick: () => act(live, async () => {
          const answer = await request("POST", `/schedules/${name}/run`);
          toast(h("span", {}, "Submitted ", h("a", { href: `#/tasks/${answer.task_id}` }, "the task")), "ok");
        }, `${schedule.name} submitted`) })));
  }
  return () => live.stop();
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** "every 300s" or a five-field cron expression, in words where the pattern is a common one. */
export function describeSpec(spec) {
  const every = spec.match(/^every ([0-9.]+)s$/);
  if (every) {
    const seconds = Number(every[1]);
    if (seconds % 86400 === 0) return plural(seconds / 86400, "day");
    if (seconds % 3600 === 0) return plural(seconds / 3600, "hour");
    if (seconds % 60 === 0) return plural(seconds / 60, "minute");
    return plural(seconds, "second");
  }
  const fields = spec.trim().split(/\s+/);
  if (fields.length !== 5) return spec;
  const [minute, hour, day, month, weekday] = fields;
  const number = (text) => /^\d+$/.test(text);
  const at = number(minute) && number(hour) ? `at ${hour.padStart(2, "0")}:${minute.padStart(2, "0")}` : null;
  const step = minute.match(/^\*\/(\d+)$/);
  if (step && hour === "*" && day === "*" && month === "*" && weekday === "*") return plural(Number(step[1]), "minute");
  if (minute === "*" && hour === "*" && day === "*" && month === "*" && weekday === "*") return "every minute";
  if (number(minute) && hour === "*" && day === "*" && month === "*" && weekday === "*") return `every hour at :${minute.padStart(2, "0")}`;
  if (at && day === "*" && month === "*" && weekday === "*") return `every day ${at}`;
  if (at && day === "*" && month === "*" && number(weekday)) return `every ${WEEKDAYS[Number(weekday) % 7]} ${at}`;
  if (at && day === "*" && month === "*" && weekday === "1-5") return `every weekday ${at}`;
  if (at && number(day) && month === "*" && weekday === "*") return `on day ${day} of every month ${at}`;
  return `cron ${spec}`;
}

function plural(count, unit) {
  return count === 1 ? `every ${unit}` : `every ${number(count)} ${unit}s`;
}
