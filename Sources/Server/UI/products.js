// Products: the filtered, paged table (filters, page size and page kept in the URL), inline edit
// with If-Match, the active toggle, create, delete with confirmation, and bulk delete with its
// progress. Each page change is timed (Performance API: the measure "products-render", from the
// change being applied to the rows drawn) for the browser test.

import { canWrite, request } from "./api.js";
import { add, ago, confirmDialog, debounce, fill, h, number, progressBar, routeParams, setRouteParams, showError, toast, writeButton } from "./dom.js";

const SIZES = [20, 50, 100];
const TYPING_PAUSE_MS = 200;

export function render(root) {
  const stop = new AbortController();
  const url = routeParams();
  const state = {
    sku: url.get("sku") || "", name: url.get("name") || "", description: url.get("description") || "",
    active: url.get("active") || "", limit: SIZES.includes(Number(url.get("limit"))) ? Number(url.get("limit")) : 20,
    page: Math.max(1, Number(url.get("page")) || 1), cursor: url.get("cursor") || "",
  };
  // The cursors of the pages before this one, for "Previous" after "Next" (keyset paging).
  const cursors = [];
  let sequence = 0;
  let total = 0;

  const heading = h("h1", {}, "Products");
  const totalText = h("span", { className: "muted", id: "products-total", role: "status" });
  const filter = (key, label, placeholder) => {
    const input = h("input", { type: "search", id: `filter-${key}`, value: state[key], placeholder, "aria-label": label });
    input.addEventListener("input", debounce(() => {
      state[key] = input.value.trim();
      restart();
    }, TYPING_PAUSE_MS));
    return h("label", { htmlFor: `filter-${key}` }, label, input);
  };
  const active = h("select", { id: "filter-active", "aria-label": "Active" },
    h("option", { value: "" }, "Any"), h("option", { value: "true" }, "Active"), h("option", { value: "false" }, "Inactive"));
  active.value = state.active;
  active.addEventListener("change", () => { state.active = active.value; restart(); });
  const size = h("select", { id: "page-size", "aria-label": "Rows per page" }, SIZES.map((value) => h("option", { value }, `${value} per page`)));
  size.value = String(state.limit);
  size.addEventListener("change", () => { state.limit = Number(size.value); restart(); });

  const createPanel = h("section", { className: "panel", id: "create-panel", hidden: true });
  const bulkPanel = h("section", { className: "panel", id: "bulk-panel", hidden: true });
  const body = h("tbody", { id: "products-body" });
  const table = h("div", { className: "table-wrap" }, h("table", { id: "products-table" },
    h("thead", {}, h("tr", {}, h("th", {}, "SKU"), h("th", {}, "Name"), h("th", {}, "Description"), h("th", {}, "Active"),
      h("th", {}, "Updated"), h("th", {}, h("span", { className: "hint" }, "Actions")))), body));
  const empty = h("div", { className: "empty", id: "products-empty", hidden: true });
  const pager = h("nav", { className: "pager", "aria-label": "Pages" });

  add(root, 
    h("div", { className: "toolbar" }, heading, totalText, h("span", { className: "spacer" }),
      writeButton("New product", { id: "new-product", onclick: () => showCreate() }),
      writeButton("Delete all products…", { className: "danger", id: "bulk-delete", onclick: () => bulkDelete() })),
    canWrite() ? null : h("p", { className: "hint", id: "readonly-hint" }, "Read-only: enter the server's token (top right) to edit, create or delete."),
    h("div", { className: "panel row", id: "filters" }, filter("sku", "SKU starts with", "e.g. SKU-00"),
      filter("name", "Name contains", ""), filter("description", "Description contains", ""),
      h("label", { htmlFor: "filter-active" }, "Active", active), h("label", { htmlFor: "page-size" }, "Rows", size)),
    createPanel, bulkPanel, table, empty, pager);

  /** A filter or size change: back to page 1 without a cursor. */
  function restart() {
    state.page = 1;
    state.cursor = "";
    cursors.length = 0;
    load();
  }

  async function load() {
    performance.clearMarks("products-input");
    performance.mark("products-input");
    setRouteParams("/products", { sku: state.sku, name: state.name, description: state.description, active: state.active,
      limit: state.limit === 20 ? "" : state.limit, page: state.page === 1 ? "" : state.page, cursor: state.cursor });
    const mine = ++sequence;
    const params = { limit: state.limit, sku: state.sku, name: state.name, description: state.description, active: state.active };
    if (state.cursor) params.cursor = state.cursor;
    else params.offset = (state.page - 1) * state.limit;
    let page;
    try {
      page = await request("GET", "/products", { params });
    } catch (error) {
      if (mine === sequence) fill(empty, h("p", { className: "error" }, `Products could not be read: ${error.message}`));
      empty.hidden = false;
      return;
    }
    if (mine !== sequence || stop.signal.aborted) return; // a newer change is on its way
    total = page.total;
    fill(body, page.items.map((product) => row(product)));
    totalText.textContent = `${number(page.total)} product${page.total === 1 ? "" : "s"}`;
    const filtered = state.sku || state.name || state.description || state.active;
    empty.hidden = page.items.length > 0;
    table.hidden = page.items.length === 0;
    if (!page.items.length) {
      fill(empty, filtered
        ? [h("p", {}, "No products match these filters."), h("button", { type: "button", className: "secondary", onclick: clearFilters }, "Clear filters")]
        : state.page > 1 ? h("p", {}, "This page is past the last product.")
          : [h("p", {}, "No products yet."),
            h("p", {}, h("a", { href: "#/upload" }, "Upload a CSV"), canWrite() ? " to import them, or create one with “New product”." : " to import them.")]);
    }
    drawPager(page);
    performance.measure("products-render", "products-input");
    root.dataset.loaded = String(sequence);
  }

  function clearFilters() {
    for (const key of ["sku", "name", "description"]) {
      state[key] = "";
      document.getElementById(`filter-${key}`).value = "";
    }
    state.active = "";
    active.value = "";
    restart();
  }

  function drawPager(page) {
    const pages = Math.max(1, Math.ceil(page.total / state.limit));
    const jump = h("input", { type: "number", id: "page-jump", min: 1, max: pages, value: state.page, "aria-label": "Page number" });
    const go = () => {
      const target = Math.min(pages, Math.max(1, Number(jump.value) || 1));
      state.page = target;
      state.cursor = "";
      cursors.length = 0;
      load();
    };
    jump.addEventListener("keydown", (event) => { if (event.key === "Enter") go(); });
    fill(pager,
      h("button", { type: "button", className: "secondary", id: "prev-page", disabled: state.page <= 1, onclick: () => {
        state.page -= 1;
        // Back through the cursors seen; without them (after a reload), by offset.
        state.cursor = cursors.length ? cursors.pop() : "";
        load();
      } }, "← Previous"),
      h("span", {}, `Page ${number(state.page)} of ${number(pages)}`),
      h("button", { type: "button", className: "secondary", id: "next-page", disabled: !page.next_cursor || state.page >= pages, onclick: () => {
        cursors.push(state.cursor);
        state.cursor = page.next_cursor;
        state.page += 1;
        load();
      } }, "Next →"),
      h("span", { className: "spacer" }),
      h("label", { htmlFor: "page-jump" }, "Go to page "), jump, h("button", { type: "button", className: "secondary", onclick: go }, "Go"));
  }

  function row(product) {
    const tr = h("tr", { "data-id": product.id });
    const toggle = h("input", { type: "checkbox", checked: product.active, disabled: !canWrite(), "aria-label": `Active: ${product.sku}` });
    toggle.addEventListener("change", async () => {
      try {
        replace(await save(product, { active: toggle.checked }));
        toast(`${product.sku} is now ${toggle.checked ? "active" : "inactive"}`, "ok");
      } catch (error) {
        toggle.checked = product.active;
        problem(tr, error);
      }
    });
    const replace = (updated) => {
      const fresh = row(updated);
      clearProblem(tr);
      tr.replaceWith(fresh);
    };
    const edit = () => startEdit(tr, product, replace);
    fill(tr,
      h("td", { className: "mono wrap", ondblclick: canWrite() ? edit : null }, product.sku),
      h("td", { ondblclick: canWrite() ? edit : null }, product.name),
      h("td", { className: "excerpt", title: product.description, ondblclick: canWrite() ? edit : null }, product.description),
      h("td", {}, toggle),
      h("td", { title: product.updated_at }, ago(product.updated_at)),
      h("td", {}, writeButton("Edit", { className: "link", onclick: edit, "aria-label": `Edit ${product.sku}` }),
        writeButton("Delete", { className: "link", onclick: () => remove(tr, product), "aria-label": `Delete ${product.sku}` })));
    return tr;
  }

  function startEdit(tr, product, replace) {
    if (tr.dataset.editing) return;
    tr.dataset.editing = "true";
    const fields = {
      sku: h("input", { type: "text", value: product.sku, "aria-label": "SKU", className: "edit-sku" }),
      name: h("input", { type: "text", value: product.name, "aria-label": "Name", className: "edit-name" }),
      description: h("input", { type: "text", value: product.description, "aria-label": "Description", className: "edit-description" }),
    };
    const cancel = () => {
      clearProblem(tr);
      tr.replaceWith(row(product));
    };
    const submit = async () => {
      const change = {};
      for (const [key, input] of Object.entries(fields)) if (input.value !== product[key]) change[key] = input.value;
      if (!Object.keys(change).length) return cancel();
      try {
        replace(await save(product, change));
        toast(`Saved ${change.sku || product.sku}`, "ok");
      } catch (error) {
        problem(tr, error);
      }
    };
    for (const input of Object.values(fields)) {
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") { event.preventDefault(); submit(); }
        if (event.key === "Escape") { event.preventDefault(); cancel(); }
      });
    }
    const cells = tr.children;
    fill(cells[0], fields.sku);
    fill(cells[1], fields.name);
    cells[2].className = "";
    fill(cells[2], fields.description);
    fill(cells[5], h("button", { type: "button", className: "small", onclick: submit }, "Save"), " ",
      h("button", { type: "button", className: "secondary small", onclick: cancel }, "Cancel"),
      h("div", { className: "hint" }, "Enter saves, Esc cancels"));
    fields.name.focus();
  }

  /** PATCH with the version the row was drawn from: a change made meanwhile is a 412. */
  function save(product, change) {
    return request("PATCH", `/products/${product.id}`, { body: change, headers: { "If-Match": product.etag } });
  }

  async function remove(tr, product) {
    const sure = await confirmDialog({ title: "Delete product", message: `Delete SKU ${product.sku}? This cannot be undone.` });
    if (!sure) return;
    try {
      await request("DELETE", `/products/${product.id}`, { headers: { "If-Match": product.etag } });
      toast(`Deleted ${product.sku}`, "ok");
      load();
    } catch (error) {
      problem(tr, error);
    }
  }

  function showCreate() {
    const fields = {
      sku: h("input", { type: "text", id: "new-sku", required: true, maxLength: 255 }),
      name: h("input", { type: "text", id: "new-name", required: true }),
      description: h("input", { type: "text", id: "new-description" }),
      active: h("input", { type: "checkbox", id: "new-active", checked: true }),
    };
    const message = h("p", { className: "error", role: "alert", id: "create-error" });
    const form = h("form", { id: "create-form" },
      h("h2", {}, "New product"),
      h("div", { className: "row" },
        h("label", { htmlFor: "new-sku" }, "SKU", fields.sku), h("label", { htmlFor: "new-name" }, "Name", fields.name),
        h("label", { htmlFor: "new-description" }, "Description", fields.description),
        h("label", { className: "check", htmlFor: "new-active" }, fields.active, "Active")),
      message,
      h("div", { className: "actions" },
        h("button", { type: "button", className: "secondary", onclick: () => { createPanel.hidden = true; } }, "Cancel"),
        h("button", { type: "submit", id: "create-submit" }, "Create")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const product = await request("POST", "/products", {
          body: { sku: fields.sku.value, name: fields.name.value, description: fields.description.value, active: fields.active.checked },
        });
        toast(`Created ${product.sku}`, "ok");
        createPanel.hidden = true;
        restart();
      } catch (error) {
        message.textContent = error.message;
      }
    });
    fill(createPanel, form);
    createPanel.hidden = false;
    fields.sku.focus();
  }

  async function bulkDelete() {
    let count;
    try {
      count = (await request("GET", "/products", { params: { limit: 1 } })).total;
    } catch (error) {
      return showError(error);
    }
    if (count === 0) return toast("There are no products to delete");
    const sure = await confirmDialog({
      title: "Delete all products",
      message: `Are you sure? This cannot be undone. It deletes all ${number(count)} products.`,
      confirmLabel: "Delete all", typed: "DELETE",
    });
    if (!sure) return;
    let task;
    try {
      task = await request("DELETE", "/products/all", { params: { expected_total: count } });
    } catch (error) {
      return showError(error, "Bulk delete refused: ");
    }
    const bar = progressBar("Bulk delete progress");
    const text = h("p", { role: "status", id: "bulk-status" }, "Waiting for the worker…");
    fill(bulkPanel, h("h2", {}, "Deleting all products"), bar.element, text);
    bulkPanel.hidden = false;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      if (stop.signal.aborted) return;
      let status;
      try {
        status = await request("GET", `/products/delete/${task.task_id}/status`);
      } catch (error) {
        text.textContent = error.message;
        continue;
      }
      bar.set(status.percent);
      text.textContent = status.message || status.status;
      if (status.status === "SUCCESS") {
        bar.set(100, "done");
        const kept = status.kept_new ? ` (${number(status.kept_new)} created meanwhile kept)` : "";
        text.textContent = `Deleted ${number(status.deleted_count)} products${kept}.`;
        toast(`Deleted ${number(status.deleted_count)} products`, "ok");
        break;
      }
      if (status.status === "FAILURE" || status.status === "REVOKED") {
        bar.set(status.percent, "failed");
        text.textContent = `Bulk delete ${status.status === "REVOKED" ? "cancelled" : "failed"} after ${number(status.deleted_count)} products: ${status.error || status.message}`;
        text.className = "error";
        toast(text.textContent, "error");
        break;
      }
    }
    restart();
  }

  load();
  return () => stop.abort();
}

function problem(tr, error) {
  clearProblem(tr);
  const text = error.status ? `${error.status} ${error.code}: ${error.message}` : error.message;
  const line = h("tr", { className: "row-error" }, h("td", { colSpan: 6, role: "alert" }, text));
  tr.after(line);
  tr.problem = line;
}

function clearProblem(tr) {
  if (tr.problem) tr.problem.remove();
  tr.problem = null;
}
