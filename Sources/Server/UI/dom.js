// Small DOM helpers. Every value reaches the page as text (textContent), never as HTML, so a
// product named <img src=x onerror=alert(1)> shows as those characters.

import { canWrite, session } from "./api.js";

const PROPERTIES = new Set(["className", "type", "value", "checked", "disabled", "hidden", "htmlFor", "title", "id", "name",
  "placeholder", "href", "min", "max", "step", "required", "tabIndex", "colSpan", "accept", "multiple", "autocomplete", "selected",
  "download", "maxLength", "rows"]);

/** h("button", {className: "small", onclick}, "Save"): an element with properties, attributes, listeners and text children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) element[key] = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** Appends children (text, nodes, arrays; null, undefined and false are skipped). */
export function add(element, ...children) {
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else if (child instanceof Node) element.append(child);
    else element.append(document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A button that changes something: disabled, with a hint, while this tab may not write. */
export function writeButton(label, attributes = {}) {
  const button = h("button", { type: "button", ...attributes }, label);
  if (!canWrite()) {
    button.disabled = true;
    button.title = session.auth === "none" ? "" : "Read-only: enter the server's token to make changes";
    button.dataset.readonly = "true";
  }
  return button;
}

export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  const item = h("div", { className: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 9000 : 5000);
}

/**
 * The confirmation dialog: resolves true when confirmed. With `typed`, the confirm button stays
 * disabled until that text is typed.
 */
export function confirmDialog({ title, message, confirmLabel = "Delete", typed, extra }) {
  const dialog = document.getElementById("confirm-dialog");
  const ok = document.getElementById("confirm-ok");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-message").textContent = message;
  ok.textContent = confirmLabel;
  const area = fill(document.getElementById("confirm-extra"), extra || null);
  let input = null;
  if (typed) {
    input = h("input", { type: "text", id: "confirm-typed", autocomplete: "off", "aria-label": `Type ${typed} to confirm` });
    area.append(h("label", { htmlFor: "confirm-typed" }, `Type "${typed}" to confirm`), input);
    ok.disabled = true;
    input.addEventListener("input", () => { ok.disabled = input.value.trim() !== typed; });
  } else {
    ok.disabled = false;
  }
  return new Promise((resolve) => {
    const cancel = document.getElementById("confirm-cancel");
    const finish = (answer) => {
      cancel.onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    cancel.onclick = () => finish(false);
    dialog.onclose = () => finish(dialog.returnValue === "ok");
    dialog.returnValue = "";
    ok.value = "ok";
    dialog.showModal();
    (input || cancel).focus();
  });
}

/** A bar with role=progressbar; set(percent, text). */
export function progressBar(label) {
  const inner = h("div");
  const bar = h("div", { className: "progress", role: "progressbar", "aria-label": label, "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 0 }, inner);
  return {
    element: bar,
    set(percent, state) {
      const value = Math.max(0, Math.min(100, percent || 0));
      inner.style.width = `${value}%`;
      bar.setAttribute("aria-valuenow", String(Math.round(value)));
      bar.classList.toggle("done", state === "done");
      bar.classList.toggle("failed", state === "failed");
    },
  };
}

export function copyButton(text, label = "Copy") {
  return h("button", {
    type: "button", className: "secondary small", title: "Copy to the clipboard",
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(text);
        toast("Copied", "ok");
      } catch {
        toast("The browser refused the clipboard: select the text and copy it", "error");
      }
    },
  }, label);
}

export function debounce(fn, milliseconds) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), milliseconds);
  };
}

const numberFormat = new Intl.NumberFormat();
export function number(value) {
  return value === null || value === undefined ? "–" : numberFormat.format(value);
}

export function time(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return date.toLocaleString();
}

export function ago(iso) {
  if (!iso) return "never";
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 0) return `in ${duration(-seconds)}`;
  if (seconds < 5) return "just now";
  return `${duration(seconds)} ago`;
}

export function duration(seconds) {
  if (!isFinite(seconds)) return "–";
  seconds = Math.round(seconds);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d`;
}

export function bytes(value) {
  if (value < 1024) return `${value} B`;
  if (value < 1 << 20) return `${(value / 1024).toFixed(1)} KiB`;
  if (value < 1 << 30) return `${(value / (1 << 20)).toFixed(1)} MiB`;
  return `${(value / (1 << 30)).toFixed(2)} GiB`;
}

/** Shows an API failure: the server's message, as a toast. */
export function showError(error, prefix = "") {
  toast(`${prefix}${error.message || error}`, "error");
}

/** Reads and writes the hash route's query (filters kept in the URL). */
export function routeParams() {
  const hash = location.hash.slice(1);
  const at = hash.indexOf("?");
  return new URLSearchParams(at >= 0 ? hash.slice(at + 1) : "");
}

export function setRouteParams(path, params, replace = true) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  const hash = `#${path}${text ? `?${text}` : ""}`;
  if (replace) history.replaceState(null, "", hash);
  else location.hash = hash;
}
