// Webhooks: the list (events, enabled toggle, counts, last answer, pending), the create and edit
// form, the secret shown once with copy and rotate, a test send, and one webhook's deliveries
// (#/webhooks/{id}) with their attempts, retries and redelivery.

import { canWrite, request } from "./api.js";
import { add, ago, confirmDialog, copyButton, fill, h, number, routeParams, setRouteParams, showError, toast, writeButton } from "./dom.js";

let eventTypes = null; // GET /webhooks/events, read once

async function events() {
  if (!eventTypes) eventTypes = (await request("GET", "/webhooks/events")).items;
  return eventTypes;
}

export function render(root) {
  const stop = new AbortController();
  const formPanel = h("section", { className: "panel", id: "webhook-form-panel", hidden: true });
  const secretPanel = h("section", { className: "panel", id: "secret-panel", hidden: true });
  const testPanel = h("section", { className: "panel", id: "test-panel", hidden: true });
  const body = h("tbody", { id: "webhooks-body" });
  const table = h("div", { className: "table-wrap" }, h("table", { id: "webhooks-table" },
    h("thead", {}, h("tr", {}, h("th", {}, "URL"), h("th", {}, "Events"), h("th", {}, "Enabled"), h("th", { className: "num" }, "✓ / ✗"),
      h("th", {}, "Last answer"), h("th", {}, "Last delivery"), h("th", { className: "num" }, "Pending"), h("th", {}, h("span", { className: "hint" }, "Actions")))),
    body));
  const empty = h("div", { className: "empty", id: "webhooks-empty", hidden: true },
    h("p", {}, "No webhooks yet."), h("p", {}, "Add one to have product and import events POSTed, signed, to your URL."));
  add(root, 
    h("div", { className: "toolbar" }, h("h1", {}, "Webhooks"), h("span", { className: "spacer" }),
      writeButton("New webhook", { id: "new-webhook", onclick: () => edit(null) })),
    canWrite() ? null : h("p", { className: "hint" }, "Read-only: enter the server's token (top right) to add, change or test webhooks."),
    secretPanel, formPanel, testPanel, table, empty);

  async function load() {
    let page;
    try {
      page = await request("GET", "/webhooks", { params: { limit: 100 } });
    } catch (error) {
      fill(empty, h("p", { className: "error" }, `Webhooks could not be read: ${error.message}`));
      empty.hidden = false;
      return;
    }
    if (stop.signal.aborted) return;
    fill(body, page.items.map(row));
    table.hidden = page.items.length === 0;
    empty.hidden = page.items.length > 0;
    root.dataset.loaded = String(Date.now());
  }

  function row(webhook) {
    const toggle = h("input", { type: "checkbox", checked: webhook.is_active, disabled: !canWrite(), "aria-label": `Enabled: ${webhook.url}` });
    toggle.addEventListener("change", async () => {
      try {
        await request("POST", `/webhooks/${webhook.id}/${toggle.checked ? "enable" : "disable"}`);
        toast(`${toggle.checked ? "Enabled" : "Disabled"} ${webhook.url}`, "ok");
        load();
      } catch (error) {
        toggle.checked = webhook.is_active;
        showError(error);
      }
    });
    return h("tr", { "data-id": webhook.id },
      h("td", { className: "wrap" }, h("a", { href: `#/webhooks/${webhook.id}` }, webhook.url),
        webhook.description ? h("div", { className: "hint" }, webhook.description) : null),
      h("td", {}, webhook.events.map((event) => h("span", { className: "badge" }, event))),
      h("td", {}, toggle),
      h("td", { className: "num" }, h("span", { className: "ok" }, `✓ ${number(webhook.success_count)}`), " ",
        h("span", { className: webhook.failure_count ? "error" : "muted" }, `✗ ${number(webhook.failure_count)}`)),
      h("td", { className: "nowrap" }, lastAnswer(webhook.last_status_code, webhook.last_response_time_ms, webhook.last_error)),
      h("td", { className: "nowrap" }, ago(webhook.last_triggered_at)),
      h("td", { className: "num" }, number(webhook.pending_deliveries)),
      h("td", { className: "nowrap" },
        writeButton("Test", { className: "link", onclick: () => test(testPanel, webhook), "aria-label": `Test ${webhook.url}` }),
        writeButton("Edit", { className: "link", onclick: () => edit(webhook), "aria-label": `Edit ${webhook.url}` }),
        writeButton("Delete", { className: "link", onclick: () => remove(webhook), "aria-label": `Delete ${webhook.url}` })));
  }

  async function edit(webhook) {
    let types;
    try {
      types = await events();
    } catch (error) {
      return showError(error);
    }
    const url = h("input", { type: "url", id: "hook-url", required: true, value: webhook ? webhook.url : "", placeholder: "https://example.com/hooks/products" });
    const description = h("input", { type: "text", id: "hook-description", value: webhook ? webhook.description : "" });
    const retries = h("input", { type: "number", id: "hook-retries", min: 0, max: 10, value: webhook ? webhook.retry_count : 5 });
    const timeout = h("input", { type: "number", id: "hook-timeout", min: 1, max: 300, step: "any", value: webhook ? webhook.timeout_seconds : 10 });
    const headers = h("textarea", { id: "hook-headers", rows: 3, placeholder: "X-Api-Key: 123" });
    headers.value = webhook ? Object.entries(webhook.headers).map(([name, value]) => `${name}: ${value}`).join("\n") : "";
    const boxes = types.map((type) => h("label", { className: "check", title: type.description },
      h("input", { type: "checkbox", value: type.event, checked: webhook ? webhook.events.includes(type.event) : type.event.startsWith("product."),
        className: "hook-event" }), type.event));
    const message = h("p", { className: "error", role: "alert", id: "hook-error" });
    const form = h("form", { id: "webhook-form" },
      h("h2", {}, webhook ? "Edit webhook" : "New webhook"),
      h("div", { className: "row" }, h("label", { htmlFor: "hook-url" }, "URL", url), h("label", { htmlFor: "hook-description" }, "Description", description),
        h("label", { htmlFor: "hook-retries" }, "Retries", retries), h("label", { htmlFor: "hook-timeout" }, "Timeout (s)", timeout)),
      h("fieldset", {}, h("legend", {}, "Events"), h("div", { className: "row" }, boxes)),
      h("label", { htmlFor: "hook-headers" }, "Extra headers, one “Name: value” per line"), headers,
      message,
      h("div", { className: "actions" },
        h("button", { type: "button", className: "secondary", onclick: () => { formPanel.hidden = true; } }, "Cancel"),
        h("button", { type: "submit", id: "hook-save" }, webhook ? "Save" : "Create")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const headerMap = {};
      for (const line of headers.value.split("\n")) {
        if (!line.trim()) continue;
        const at = line.indexOf(":");
        if (at <= 0) {
          message.textContent = `Header line “${line}” has no “Name: value” form`;
          return;
        }
        headerMap[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      const payload = {
        url: url.value.trim(), description: description.value, retry_count: Number(retries.value), timeout_seconds: Number(timeout.value),
        headers: headerMap, events: [...form.querySelectorAll(".hook-event:checked")].map((box) => box.value),
      };
      try {
        const saved = webhook
          ? await request("PATCH", `/webhooks/${webhook.id}`, { body: payload })
          : await request("POST", "/webhooks", { body: payload });
        formPanel.hidden = true;
        toast(webhook ? "Webhook saved" : "Webhook created", "ok");
        if (!webhook) showSecret(secretPanel, saved.secret, "This webhook's signing secret");
        load();
      } catch (error) {
        message.textContent = error.field ? `${error.field}: ${error.message}` : error.message;
      }
    });
    fill(formPanel, form);
    formPanel.hidden = false;
    url.focus();
  }

  async function remove(webhook) {
    const sure = await confirmDialog({
      title: "Delete webhook", message: `Delete the webhook to ${webhook.url}? Its pending deliveries are cancelled. This cannot be undone.`,
    });
    if (!sure) return;
    try {
      await request("DELETE", `/webhooks/${webhook.id}`);
      toast("Webhook deleted", "ok");
      load();
    } catch (error) {
      showError(error);
    }
  }

  load();
  const timer = setInterval(load, 5000);
  return () => {
    stop.abort();
    clearInterval(timer);
  };
}

function lastAnswer(code, milliseconds, error) {
  if (code === null && !error) return h("span", { className: "muted" }, "–");
  const good = code >= 200 && code < 300;
  return h("span", { className: good ? "ok" : "error", title: error || "" },
    code ? `${code}` : "error", milliseconds !== null && milliseconds !== undefined ? ` · ${Math.round(milliseconds)} ms` : "");
}

function showSecret(panel, secret, title) {
  fill(panel,
    h("h2", {}, title),
    h("p", {}, "Shown once: store it now. Receivers check each request’s signature with it."),
    h("div", { className: "secret" }, h("code", { id: "secret-value" }, secret), copyButton(secret)),
    h("div", { className: "actions" }, h("button", { type: "button", className: "secondary", onclick: () => { panel.hidden = true; } }, "Done")));
  panel.hidden = false;
}

/** One test send: pick an event, see the answer's code, time, body and error. */
async function test(panel, webhook) {
  let types;
  try {
    types = await events();
  } catch (error) {
    return showError(error);
  }
  const choice = h("select", { id: "test-event", "aria-label": "Event to send" }, types.map((type) => h("option", { value: type.event }, type.event)));
  if (webhook.events.length) choice.value = webhook.events[0];
  const result = h("div", { id: "test-result", role: "status" });
  const send = h("button", { type: "button", id: "test-send" }, "Send test");
  send.addEventListener("click", async () => {
    send.disabled = true;
    fill(result, h("p", { className: "muted" }, "Sending…"));
    try {
      const answer = await request("POST", `/webhooks/${webhook.id}/test`, { body: { event: choice.value } });
      fill(result,
        h("p", { className: answer.success ? "ok" : "error", id: "test-outcome" },
          answer.success ? "Delivered" : "Failed", " · ",
          h("span", { id: "test-code" }, answer.status_code === null ? "no answer" : `HTTP ${answer.status_code}`), " · ",
          h("span", { id: "test-ms" }, `${Math.round(answer.response_time_ms)} ms`)),
        answer.error ? h("p", { className: "error" }, answer.error) : null,
        answer.response_body ? [h("div", { className: "hint" }, "Response body (first 4 KiB):"), h("pre", {}, answer.response_body.slice(0, 600))] : null);
    } catch (error) {
      fill(result, h("p", { className: "error" }, error.message));
    } finally {
      send.disabled = false;
    }
  });
  fill(panel,
    h("h2", {}, `Test ${webhook.url}`),
    h("div", { className: "row" }, h("label", { htmlFor: "test-event" }, "Event", choice), send,
      h("button", { type: "button", className: "secondary", onclick: () => { panel.hidden = true; } }, "Close")),
    result);
  panel.hidden = false;
  choice.focus();
}

const STATES = ["", "pending", "retrying", "succeeded", "failed", "cancelled"];

/** #/webhooks/{id}: the webhook, its secret rotation, a test, its deliveries and their attempts. */
export function renderOne(root, id) {
  const stop = new AbortController();
  const state = routeParams().get("state") || "";
  const head = h("div");
  const secretPanel = h("section", { className: "panel", hidden: true, id: "secret-panel" });
  const testPanel = h("section", { className: "panel", hidden: true, id: "test-panel" });
  const filter = h("select", { id: "delivery-state", "aria-label": "Delivery state" }, STATES.map((value) => h("option", { value }, value || "all states")));
  filter.value = state;
  filter.addEventListener("change", () => {
    setRouteParams(`/webhooks/${id}`, { state: filter.value });
    loadDeliveries();
  });
  const deliveries = h("tbody", { id: "deliveries-body" });
  const detail = h("section", { className: "panel", hidden: true, id: "delivery-detail" });
  add(root, head, secretPanel, testPanel,
    h("div", { className: "toolbar" }, h("h2", {}, "Deliveries"), h("span", { className: "spacer" }), h("label", { htmlFor: "delivery-state" }, "State "), filter),
    h("div", { className: "table-wrap" }, h("table", { id: "deliveries-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Created"), h("th", {}, "Event"), h("th", {}, "State"), h("th", { className: "num" }, "Attempts"),
        h("th", {}, "Last answer"), h("th", {}, "Next retry"), h("th", {}, h("span", { className: "hint" }, "Actions")))),
      deliveries)),
    detail,
    h("h2", {}, "Verifying a request"),
    h("p", {}, "Each request carries X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>. In Python:"),
    h("pre", { id: "verify-snippet" }, VERIFY));

  async function loadHead() {
    let webhook;
    try {
      webhook = await request("GET", `/webhooks/${id}`);
    } catch (error) {
      fill(head, h("h1", {}, "Webhook"), h("p", { className: "error" }, error.message));
      return;
    }
    fill(head,
      h("p", {}, h("a", { href: "#/webhooks" }, "← Webhooks")),
      h("h1", { className: "wrap" }, webhook.url),
      h("p", {}, webhook.events.map((event) => h("span", { className: "badge" }, event)), " ",
        h("span", { className: webhook.is_active ? "ok" : "muted" }, webhook.is_active ? "enabled" : "disabled"), " · ",
        `✓ ${number(webhook.success_count)} ✗ ${number(webhook.failure_count)} · ${number(webhook.pending_deliveries)} pending · secret …${webhook.secret_hint || ""}`,
        " · last answer ", lastAnswer(webhook.last_status_code, webhook.last_response_time_ms, webhook.last_error)),
      h("div", { className: "toolbar" },
        writeButton("Test", { id: "detail-test", onclick: () => test(testPanel, webhook) }),
        writeButton(webhook.is_active ? "Disable" : "Enable", { className: "secondary", onclick: async () => {
          try {
            await request("POST", `/webhooks/${id}/${webhook.is_active ? "disable" : "enable"}`);
            loadHead();
            loadDeliveries();
          } catch (error) {
            showError(error);
          }
        } }),
        writeButton("Rotate secret…", { className: "secondary", id: "rotate-secret", onclick: async () => {
          const sure = await confirmDialog({ title: "Rotate the secret", message: "A new secret replaces the old one at once: receivers must use the new one.", confirmLabel: "Rotate" });
          if (!sure) return;
          try {
            const answer = await request("POST", `/webhooks/${id}/rotate-secret`);
            showSecret(secretPanel, answer.secret, "The new signing secret");
            loadHead();
          } catch (error) {
            showError(error);
          }
        } })));
  }

  async function loadDeliveries() {
    let page;
    try {
      page = await request("GET", "/webhooks/deliveries", { params: { webhook_id: id, state: filter.value, limit: 50 } });
    } catch (error) {
      fill(deliveries, h("tr", {}, h("td", { colSpan: 7, className: "error" }, error.message)));
      return;
    }
    if (stop.signal.aborted) return;
    fill(deliveries, page.items.length ? page.items.map((delivery) => h("tr", { "data-id": delivery.id },
      h("td", { title: delivery.created_at }, ago(delivery.created_at)),
      h("td", {}, h("span", { className: "badge" }, delivery.event), delivery.kind === "test" ? h("span", { className: "badge" }, "test") : null),
      h("td", {}, h("span", { className: `badge ${{ succeeded: "ok", failed: "bad", retrying: "warn" }[delivery.state] || ""}` }, delivery.state)),
      h("td", { className: "num" }, number(delivery.attempts)),
      h("td", {}, lastAnswer(delivery.last_status_code, delivery.last_response_time_ms, delivery.last_error)),
      h("td", {}, delivery.next_attempt_at ? ago(delivery.next_attempt_at) : "–"),
      h("td", {},
        h("button", { type: "button", className: "link", onclick: () => showDelivery(detail, delivery.id) }, "Attempts"),
        delivery.state === "failed" || delivery.state === "cancelled"
          ? writeButton("Redeliver", { className: "link", onclick: async () => {
            try {
              await request("POST", `/webhooks/deliveries/${delivery.id}/redeliver`);
              toast("Redelivery queued", "ok");
              loadDeliveries();
            } catch (error) {
              showError(error);
            }
          } })
          : null)))
      : h("tr", {}, h("td", { colSpan: 7, className: "empty" }, filter.value ? `No ${filter.value} deliveries.` : "No deliveries yet: use Test, or change a product.")));
    root.dataset.loaded = String(Date.now());
  }

  loadHead();
  loadDeliveries();
  const timer = setInterval(() => { loadDeliveries(); }, 4000);
  return () => {
    stop.abort();
    clearInterval(timer);
  };
}

async function showDelivery(panel, id) {
  let delivery;
  try {
    delivery = await request("GET", `/webhooks/deliveries/${id}`);
  } catch (error) {
    return showError(error);
  }
  const attempts = delivery.attempts_detail || [];
  fill(panel,
    h("h2", {}, `Delivery ${delivery.id}`),
    h("p", {}, `${delivery.event} · ${delivery.state} · ${number(delivery.attempts)} attempt(s)`,
      delivery.next_attempt_at ? ` · next retry ${ago(delivery.next_attempt_at)}` : ""),
    h("div", { className: "hint" }, "Request headers"),
    h("pre", {}, Object.entries((delivery.request && delivery.request.headers) || {}).map(([name, value]) => `${name}: ${value}`).join("\n") || "–"),
    h("div", { className: "hint" }, "Request body"),
    h("pre", {}, delivery.request && delivery.request.body !== null ? JSON.stringify(delivery.request.body, null, 2) : "–"),
    h("div", { className: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, h("th", { className: "num" }, "#"), h("th", {}, "When"), h("th", {}, "Answer"), h("th", {}, "Response body"))),
      h("tbody", {}, attempts.map((attempt) => h("tr", {},
        h("td", { className: "num" }, attempt.attempt), h("td", { title: attempt.created_at }, ago(attempt.created_at)),
        h("td", {}, lastAnswer(attempt.status_code, attempt.response_time_ms, attempt.error), attempt.error ? h("div", { className: "error" }, attempt.error) : null),
        h("td", { className: "excerpt mono" }, attempt.response_body || "")))))),
    h("div", { className: "actions" }, h("button", { type: "button", className: "secondary", onclick: () => { panel.hidden = true; } }, "Close")));
  panel.hidden = false;
  panel.scrollIntoView({ block: "nearest" });
}

const VERIFY = `import hashlib, hmac

def verified(secret: str, body: bytes, signature_header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature_header)

# Flask: verified(SECRET, request.get_data(), request.headers["X-Webhook-Signature"])
# Also reject an X-Webhook-Timestamp older than 300 s, and a repeated X-Webhook-Id
# (a retry of an event you already handled). docs/webhooks.md shows the Standard Webhooks form.`;
