// The shell: the hash router, the top bar (server status, workers, token or read-only state),
// the unreachable-server banner and the token dialog.

import { canWrite, health, refreshSession, session, setToken, token } from "./api.js";
import { fill } from "./dom.js";
import * as upload from "./upload.js";
import * as products from "./products.js";
import * as webhooks from "./webhooks.js";

const pages = [
  { pattern: /^\/upload$/, nav: "upload", render: (root) => upload.render(root) },
  { pattern: /^\/imports\/([^/]+)$/, nav: "upload", render: (root, id) => upload.render(root, id) },
  { pattern: /^\/products$/, nav: "products", render: (root) => products.render(root) },
  { pattern: /^\/webhooks$/, nav: "webhooks", render: (root) => webhooks.render(root) },
  { pattern: /^\/webhooks\/([^/]+)$/, nav: "webhooks", render: (root, id) => webhooks.renderOne(root, id) },
  // The monitor's modules load when first opened: the first load of the UI stays as small.
  { pattern: /^\/monitor$/, nav: "monitor", render: (root) => import("./monitor.js").then((m) => m.render(root)) },
  { pattern: /^\/tasks$/, nav: "tasks", render: (root) => import("./tasks.js").then((m) => m.render(root)) },
  { pattern: /^\/tasks\/([^/]+)$/, nav: "tasks", render: (root, id) => import("./tasks.js").then((m) => m.renderOne(root, id)) },
  { pattern: /^\/workers$/, nav: "workers", render: (root) => import("./ops.js").then((m) => m.renderWorkers(root)) },
  { pattern: /^\/queues$/, nav: "queues", render: (root) => import("./ops.js").then((m) => m.renderQueues(root)) },
  { pattern: /^\/schedules$/, nav: "schedules", render: (root) => import("./ops.js").then((m) => m.renderSchedules(root)) },
];

let leave = null; // the current page's clean-up (stops its streams and timers)
let visit = 0; // which routing is current, for pages whose module loads first

function route() {
  if (!location.hash || location.hash === "#" || location.hash === "#/") {
    location.replace("#/upload"); // fires hashchange, which routes
    return;
  }
  const hash = location.hash.slice(1);
  // A page keeps its filters in the query with history.replaceState, which fires no hashchange.
  const path = hash.split("?")[0];
  const page = pages.find((candidate) => candidate.pattern.test(path));
  if (!page) {
    location.replace("#/upload");
    return;
  }
  if (leave) leave();
  leave = null;
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === page.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const root = document.getElementById("page");
  fill(root);
  delete root.dataset.loaded; // each page counts its own loads (the browser test waits on it)
  const match = path.match(page.pattern);
  const rendered = page.render(root, match[1] && decodeURIComponent(match[1]));
  const current = ++visit;
  if (rendered instanceof Promise) {
    // Left before its module arrived: its clean-up runs at once.
    rendered.then((cleanUp) => (current === visit ? (leave = cleanUp || null) : cleanUp && cleanUp()))
      .catch((error) => current === visit && fill(root, `This page could not be loaded: ${error.message}`));
  } else {
    leave = rendered || null;
  }
}

function showSession() {
  const state = document.getElementById("auth-state");
  const button = document.getElementById("token-button");
  if (session.auth === "none") {
    state.textContent = "";
    button.hidden = true;
    return;
  }
  button.hidden = false;
  if (session.authenticated) {
    state.textContent = "Token in use";
    button.textContent = "Forget token";
  } else {
    state.textContent = session.auth === "all" ? "This server needs a token" : "Read-only: changes need the server's token";
    button.textContent = "Enter token";
  }
}

function askToken() {
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  const error = document.getElementById("token-error");
  if (dialog.open) return; // several refused requests ask once
  input.value = "";
  error.textContent = "";
  dialog.showModal();
  input.focus();
}

async function saveToken(event) {
  event.preventDefault();
  const input = document.getElementById("token-input");
  const error = document.getElementById("token-error");
  setToken(input.value.trim());
  try {
    await refreshSession();
  } catch (failure) {
    error.textContent = failure.message;
    return;
  }
  if (!session.authenticated) {
    setToken("");
    error.textContent = "The server refused this token.";
    return;
  }
  document.getElementById("token-dialog").close();
  route();
}

async function pollHealth() {
  const status = document.getElementById("server-status");
  const workers = document.getElementById("worker-count");
  const answer = await health();
  if (!answer) {
    status.textContent = "Server unreachable";
    status.className = "status down";
    workers.textContent = "";
    return;
  }
  const healthy = answer.status === "healthy";
  status.textContent = healthy ? "Server healthy" : `Server unhealthy: ${answer.reason || answer.database}`;
  status.className = `status ${healthy ? "up" : "down"}`;
  workers.textContent = answer.workers === undefined ? "" : `${answer.workers} worker${answer.workers === 1 ? "" : "s"}`;
}

function wire() {
  const banner = document.getElementById("banner");
  window.addEventListener("importer:reachable", (event) => {
    banner.hidden = event.detail;
    if (!event.detail) banner.textContent = "Cannot reach the server. Retrying every few seconds…";
  });
  window.addEventListener("importer:session", showSession);
  window.addEventListener("importer:unauthorized", () => {
    if (session.auth !== "none" && !token()) askToken();
  });
  document.getElementById("token-button").addEventListener("click", () => {
    if (session.authenticated) {
      setToken("");
      refreshSession().then(route).catch(() => {});
    } else {
      askToken();
    }
  });
  document.getElementById("token-form").addEventListener("submit", saveToken);
  document.getElementById("token-cancel").addEventListener("click", () => document.getElementById("token-dialog").close());
  window.addEventListener("hashchange", route);
}

async function start() {
  wire();
  for (;;) {
    try {
      await refreshSession();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
  if (session.auth === "all" && !session.authenticated) askToken();
  route();
  pollHealth();
  setInterval(pollHealth, 5000);
  document.documentElement.dataset.ready = canWrite() ? "write" : "read";
}

start();
