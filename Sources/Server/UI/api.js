// The HTTP API as the pages use it: the bearer token (kept in this tab's sessionStorage, sent as
// a header, never in a URL), the server's error messages as ApiError, an event when the server
// cannot be reached, Server-Sent Events read through fetch (EventSource cannot send headers),
// and uploads through XMLHttpRequest (fetch reports no upload progress).

const TOKEN_KEY = "importer.token";

export const session = { auth: "none", authenticated: false, version: "" };

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Whether changes may be sent: no token needed, or the right one is held. */
export function canWrite() {
  return session.auth === "none" || session.authenticated;
}

function authHeaders(extra = {}) {
  const headers = { ...extra };
  const value = token();
  if (value) headers.Authorization = `Bearer ${value}`;
  return headers;
}

/** Tells the shell whether the server answered (drives the banner). */
function reachable(up) {
  window.dispatchEvent(new CustomEvent("importer:reachable", { detail: up }));
}

export async function refreshSession() {
  const answer = await request("GET", "/session");
  session.auth = answer.auth_required;
  session.authenticated = answer.authenticated;
  session.version = answer.version;
  window.dispatchEvent(new CustomEvent("importer:session"));
  return session;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

async function errorOf(response) {
  let code = "http_error";
  let message = `${response.status} ${response.statusText}`;
  let field;
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
      field = body.error.field;
    }
  } catch {
    // Not JSON: the status line says it.
  }
  if (response.status === 401) window.dispatchEvent(new CustomEvent("importer:unauthorized"));
  return new ApiError(response.status, code, message, field);
}

async function send(method, url, options) {
  let response;
  try {
    response = await fetch(url, options);
  } catch {
    reachable(false);
    throw new ApiError(0, "unreachable", "Cannot reach the server. Is importer still running?");
  }
  reachable(true);
  if (!response.ok) throw await errorOf(response);
  return response;
}

/**
 * One API call under /api/v1: resolves to the JSON answer (null for 204), rejects with ApiError
 * carrying the server's message. `options`: body (sent as JSON), headers, params (query), raw
 * (resolve to the Response).
 */
export async function request(method, path, options = {}) {
  const headers = authHeaders(options.headers);
  const init = { method, headers };
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const response = await send(method, `/api/v1${path}${query(options.params)}`, init);
  if (options.raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

/** GET /healthz (outside /api/v1). */
export async function health() {
  const response = await fetch("/healthz", { headers: authHeaders() }).catch(() => null);
  reachable(response !== null);
  if (!response) return null;
  return response.json().catch(() => null);
}

/**
 * Reads a Server-Sent Events stream; calls onEvent(name, data) for each event until the stream
 * ends or `signal` aborts. Resolves when the server ends the stream.
 */
export async function events(path, onEvent, signal) {
  const response = await send("GET", `/api/v1${path}`, { headers: authHeaders({ Accept: "text/event-stream" }), signal });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

/**
 * Uploads `file` as multipart/form-data (field `file`); onProgress(sent, total) while it goes.
 * Resolves to the 202 answer, rejects with ApiError.
 */
export function upload(file, params, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/products/upload${query(params)}`);
    const value = token();
    if (value) xhr.setRequestHeader("Authorization", `Bearer ${value}`);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.total || file.size);
    xhr.onerror = () => {
      reachable(false);
      reject(new ApiError(0, "unreachable", "The upload was interrupted: cannot reach the server."));
    };
    xhr.onload = () => {
      reachable(true);
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // An empty or non-JSON answer: the status says it.
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body);
      const error = (body && body.error) || {};
      reject(new ApiError(xhr.status, error.code || "http_error", error.message || `${xhr.status} ${xhr.statusText}`, error.field));
    };
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

/** Downloads an API resource (with the token) as a file named `name`. */
export async function download(path, params, name) {
  const response = await request("GET", path, { params, raw: true });
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
