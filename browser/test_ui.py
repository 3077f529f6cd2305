#!/usr/bin/env python3
"""The web UI driven in a real Chromium (issue 18), against the real binary. Run by
scripts/browser_tests.sh, which starts `importer serve` twice on temporary data directories
(one open, one with auth_token: reads open, writes need the token) and the webhook receiver:

    browser/test_ui.py OPEN_URL TOKEN_URL TOKEN RECEIVER_URL RECEIVER_DIR PRODUCTS_CSV SHOTS_DIR [--assert-speed]

Each check prints one line; the run fails at the first failed check. Screenshots of every page go
to SHOTS_DIR. Timings (Navigation Timing for the first load; the UI's own "products-render"
measure, from a page change being applied to its rows drawn) are printed as `timing NAME MS`;
with --assert-speed they must meet issue 18's targets (first load ≤ 100 ms, a page change ≤ 150 ms).
"""
import json, os, sys, time, urllib.error, urllib.parse, urllib.request
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

import harness
from harness import api, check, d, el, els, facts, open_page, shot, text, timings, wait

OPEN, LOCKED, TOKEN, RECEIVER, RECEIVER_DIR, CSV, SHOTS = sys.argv[1:8]
harness.SHOTS = SHOTS
ASSERT_SPEED = "--assert-speed" in sys.argv
HERE = os.path.dirname(os.path.abspath(__file__))


def last_render():
    return d.execute_script("const m = performance.getEntriesByName('products-render'); return m.length ? m[m.length - 1].duration : null")


def products_loaded():
    return int(d.execute_script("return Number(document.getElementById('page').dataset.loaded || 0)"))


def change_products(action, what):
    """Does `action` on the products page and waits for the rows it asks for; returns the UI's
    measure of it (ms)."""
    before = products_loaded()
    action()
    wait(lambda: products_loaded() > before, what)
    return last_render()


def upload(path, content=None):
    """Opens the upload page and uploads `path`, first written with `content` if given."""
    if content is not None:
        with open(path, "w") as out:
            out.write(content)
    open_page(OPEN, "upload")
    el("#file-input").send_keys(os.path.abspath(path))
    el("#upload-button").click()


def scratch(name):
    """A file beside the screenshots folder, for the CSVs the checks write."""
    return os.path.join(SHOTS, "..", name)


@check
def first_load():
    d.get(OPEN + "/ui/")
    wait(lambda: d.execute_script("return document.documentElement.dataset.ready"), "the UI to start")
    # The loads measured follow that one, each with the browser's cache emptied: every file is
    # fetched in full, as on a first visit, but Chromium's own start (its renderer's first spawn)
    # is not counted. The figure is the median of 5 (the machine is noisy), the worst is shown too.
    d.execute_cdp_cmd("Network.enable", {})
    loads = []
    for _ in range(5):
        d.execute_cdp_cmd("Network.clearBrowserCache", {})
        d.get(OPEN + "/ui/")
        wait(lambda: d.execute_script("return document.documentElement.dataset.ready"), "the UI to start")
        loads.append(d.execute_script("return performance.getEntriesByType('navigation')[0].loadEventEnd"))
        resources = d.execute_script(
            "return performance.getEntriesByType('resource').filter(r => r.name.includes('/ui/')).map(r => [r.name, r.responseStatus])")
        assert all(status == 200 for _, status in resources), f"every file fetched in full (not revalidated): {resources}"
    timings["first_load_ms"] = sorted(loads)[2]
    timings["first_load_worst_ms"] = max(loads)
    assert "#/upload" in d.current_url, f"/ui/ should open the upload page, got {d.current_url}"
    assert len(resources) >= 6, f"expected the UI's files to load, got {resources}"
    headers = urllib.request.urlopen(OPEN + "/ui/app.js").headers
    assert headers["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'none'"
    assert headers["Content-Type"].startswith("text/javascript")
    shot("upload")


@check
def an_upload_reaches_import_complete():
    upload(CSV)
    wait(lambda: "#/imports/" in d.current_url, "the import page after the upload", 120)
    seen = set()
    reloaded = False
    deadline = time.time() + 150
    while time.time() < deadline:
        try:
            value = float(el("#page .progress").get_attribute("aria-valuenow"))
            stage = text("#import-stage")
        except Exception:
            time.sleep(0.05)
            continue
        seen.add(value)
        if stage == "Import Complete":
            break
        if 0 < value < 100 and not reloaded and len(seen) >= 2:
            shot("import-progress")
            d.refresh()  # the page re-attaches to the import's stream
            wait(lambda: d.execute_script("return document.documentElement.dataset.ready"), "the UI to start again")
            reloaded = True
        time.sleep(0.1)
    assert text("#import-stage") == "Import Complete", f"the stage is {text('#import-stage')!r}"
    moving = sorted(value for value in seen if 0 < value < 100)
    assert len(moving) >= 2, f"the bar should move: it showed {sorted(seen)}"
    assert reloaded, "the import should have been followed across a reload"
    stats = text("#import-stats")
    assert "Created" in stats and "Rows/s" in stats, stats
    shot("import-complete")


@check
def a_bad_file_shows_its_reason_then_retry():
    upload(scratch("bad-file.csv"), "name,price\nlamp,12\n")
    wait(lambda: text("#import-stage") == "Import failed", "the failure", 30)
    assert "no 'sku' column" in text("#import-reason"), text("#import-reason")
    first = d.current_url
    shot("import-failed")
    el("#retry-import").click()
    wait(lambda: d.current_url != first and "#/imports/" in d.current_url, "the retried import")
    wait(lambda: text("#import-stage") == "Import failed" and "no 'sku' column" in text("#import-reason"), "the retry's failure", 30)
    assert els("#choose-another"), "a failed import offers to choose another file"


@check
def row_errors_are_listed():
    upload(scratch("row-errors.csv"), "sku,name,description\nROW-OK-1,Fine,\n,No SKU,\nROW-OK-2,,No name\n")
    wait(lambda: text("#import-stage") == "Import Complete", "the import with row errors", 30)
    wait(lambda: len(els("#errors-table tbody tr")) == 2, "the two row errors listed")
    assert "Row errors (2)" in text("#import-errors"), text("#import-errors")
    assert els("#errors-csv"), "the CSV download is offered"
    shot("import-row-errors")


@check
def cancel_revokes_an_import():
    # The imports queue is paused so the import is still waiting when Cancel is pressed (a
    # running one stops at its next batch; a fast machine would finish first).
    api(OPEN, "POST", "/queues/imports/pause")
    try:
        upload(scratch("row-errors.csv"))
        wait(lambda: els("#cancel-import"), "the Cancel button", 120).__getitem__(0).click()
        wait(lambda: text("#import-stage") == "Import cancelled", "the import cancelled", 30)
        assert els("#retry-import"), "a cancelled import can be retried"
    finally:
        api(OPEN, "POST", "/queues/imports/resume")


@check
def filter_inline_edit_with_409_and_delete():
    first, second = api(OPEN, "GET", "/products?limit=2")["items"]
    open_page(OPEN, "products")
    wait(lambda: len(els("#products-body tr")) == 20, "the first page of products")
    timings["products_next_page_ms"] = change_products(lambda: el("#next-page").click(), "the next page")
    assert "page=2" in d.current_url and "cursor=" in d.current_url, d.current_url
    word = first["name"].split()[-1]
    timings["products_name_filter_ms"] = change_products(lambda: el("#filter-name").send_keys(word), "the name filter")
    assert all(word.lower() in row.text.lower() for row in els("#products-body td:nth-child(2)")), "rows match the name filter"
    change_products(lambda: el("#filter-name").send_keys(Keys.CONTROL + "a", Keys.DELETE), "the name filter cleared")
    timings["products_filter_ms"] = change_products(lambda: el("#filter-sku").send_keys(first["sku"]), "the SKU filter")
    wait(lambda: text("#products-total") == "1 product", "one product for its SKU")
    assert "sku=" + urllib.parse.quote(first["sku"], safe="") in d.current_url, d.current_url
    # A reload keeps the filter (it is in the URL).
    d.refresh()
    wait(lambda: text("#products-total") == "1 product" and el("#filter-sku").get_attribute("value") == first["sku"], "the filter after a reload")

    row = f"#products-body tr[data-id='{first['id']}']"
    webdriver.ActionChains(d).double_click(el(f"{row} td:nth-child(2)")).perform()
    sku = wait(lambda: el(f"{row} .edit-sku"), "the inline editor")
    sku.clear()
    sku.send_keys(second["sku"], Keys.ENTER)
    wait(lambda: "409" in text("tr.row-error"), "the 409 on the row")
    assert "sku_exists" in text("tr.row-error"), text("tr.row-error")
    shot("products-409")
    el(f"{row} .edit-sku").send_keys(Keys.ESCAPE)
    wait(lambda: not els("tr.row-error") and not els(f"{row} .edit-sku"), "Esc to cancel the edit")
    webdriver.ActionChains(d).double_click(el(f"{row} td:nth-child(2)")).perform()
    name = wait(lambda: el(f"{row} .edit-name"), "the inline editor")
    name.clear()
    name.send_keys("Renamed in the browser", Keys.ENTER)
    wait(lambda: text(f"{row} td:nth-child(2)") == "Renamed in the browser", "the saved name")
    assert api(OPEN, "GET", f"/products/{first['id']}")["name"] == "Renamed in the browser"

    els(f"{row} button")[-1].click()  # Delete
    wait(lambda: el("#confirm-dialog").is_displayed(), "the confirmation")
    assert text("#confirm-message") == f"Delete SKU {first['sku']}? This cannot be undone.", text("#confirm-message")
    el("#confirm-ok").click()
    wait(lambda: text("#products-total") == "0 products", "the product gone")
    try:
        api(OPEN, "GET", f"/products/{first['id']}")
        raise AssertionError("the product should be deleted")
    except urllib.error.HTTPError as error:
        assert error.code == 404


@check
def values_render_as_text():
    hostile = "<img src=x onerror=alert(1)>"
    api(OPEN, "POST", "/products", {"sku": "xss-check", "name": hostile, "description": "<script>alert(2)</script>"})
    open_page(OPEN, "products?sku=xss-check")
    wait(lambda: text("#products-total") == "1 product", "the hostile product")
    assert text("#products-body tr td:nth-child(2)") == hostile
    assert not els("#products-body img") and not els("#products-body script"), "markup in a value became elements"
    try:
        d.switch_to.alert
        raise AssertionError("a value ran as script")
    except NoAlertPresentException:
        pass
    shot("products-xss")


@check
def webhook_create_test_and_delivery_logged():
    open_page(OPEN, "webhooks")
    wait(lambda: el("#webhooks-empty").is_displayed(), "the empty state")
    el("#new-webhook").click()
    url = f"{RECEIVER}/browser/ok"
    wait(lambda: el("#hook-url"), "the form").send_keys(url)
    el("#hook-description").send_keys("the browser test's receiver")
    el("#hook-save").click()
    secret = wait(lambda: text("#secret-value"), "the secret shown once")
    assert secret.startswith("whsec_"), secret
    with open(os.path.join(RECEIVER_DIR, "browser.secret"), "w") as out:
        out.write(secret)
    wait(lambda: len(els("#webhooks-body tr")) == 1, "the webhook's row")
    shot("webhooks-secret")
    el(f"#webhooks-body button[aria-label='Test {url}']").click()
    Select(wait(lambda: el("#test-event"), "the test panel")).select_by_value("product.created")
    el("#test-send").click()
    wait(lambda: text("#test-code") == "HTTP 200", "the test's answer", 30)
    assert text("#test-ms").endswith(" ms"), text("#test-ms")
    shot("webhooks")
    # An event delivery: a product change, delivered by the queue, logged on the webhook's page.
    product = api(OPEN, "GET", "/products?limit=1")["items"][0]
    api(OPEN, "PATCH", f"/products/{product['id']}", {"name": "Changed for the webhook"})
    el("#webhooks-body a").click()
    wait(lambda: "#/webhooks/" in d.current_url, "the webhook's page")
    wait(lambda: any("product.updated" in row.text and "succeeded" in row.text for row in els("#deliveries-body tr")),
         "the product.updated delivery", 30)
    assert any("test" in row.text for row in els("#deliveries-body tr")), "the test delivery is logged too"
    els("#deliveries-body tr button")[0].click()
    wait(lambda: "X-Webhook-Signature" in text("#delivery-detail") or "x-webhook-signature" in text("#delivery-detail").lower(), "the request sent")
    shot("webhook-deliveries")
    records = [json.loads(line) for line in open(os.path.join(RECEIVER_DIR, "browser.jsonl"))]
    assert records and all(record["signature_valid"] for record in records), "the receiver verified every signature"


@check
def bulk_delete_reaches_zero():
    open_page(OPEN, "products")
    total = wait(lambda: int(text("#products-total").split()[0].replace(",", "")), "the total")
    facts["products_before_bulk_delete"] = total
    assert total > 100_000, total
    el("#bulk-delete").click()
    wait(lambda: el("#confirm-dialog").is_displayed(), "the confirmation")
    assert "Are you sure? This cannot be undone." in text("#confirm-message")
    assert f"{total:,}" in text("#confirm-message"), text("#confirm-message")
    assert not el("#confirm-ok").is_enabled(), "the button waits for the typed confirmation"
    shot("bulk-delete-confirm")
    el("#confirm-typed").send_keys("DELETE")
    el("#confirm-ok").click()
    began = time.time()
    seen = set()
    deadline = time.time() + 120
    while time.time() < deadline and not text("#bulk-status").startswith("Deleted"):
        try:
            seen.add(float(el("#bulk-panel .progress").get_attribute("aria-valuenow")))
        except Exception:
            pass
        if len([value for value in seen if 0 < value < 100]) == 1 and not os.path.exists(os.path.join(SHOTS, "bulk-delete-progress.png")):
            shot("bulk-delete-progress")
        time.sleep(0.05)
    took = time.time() - began
    assert text("#bulk-status").startswith(f"Deleted {total:,} products"), text("#bulk-status")
    assert el("#bulk-panel .progress").get_attribute("aria-valuenow") == "100"
    # The UI polls the status every 150 ms: a delete that takes a while must show its progress (a
    # fast machine may delete 200k products between two polls).
    if took > 1.5:
        assert any(0 < value < 100 for value in seen), f"the bar should show progress over {took:.1f} s: {sorted(seen)}"
    facts["bulk_delete_s"] = round(took, 2)
    facts["bulk_delete_progress_values_seen"] = len([value for value in seen if 0 < value < 100])
    wait(lambda: text("#products-total") == "0 products" and el("#products-empty").is_displayed(), "0 products and the empty state")
    assert "Upload a CSV" in text("#products-empty")
    shot("products-empty")


@check
def read_only_without_the_token():
    d.execute_script("sessionStorage.clear()")
    open_page(LOCKED, "products")
    wait(lambda: els("#readonly-hint"), "the read-only hint")
    assert not el("#new-product").is_enabled() and not el("#bulk-delete").is_enabled(), "write buttons are disabled"
    assert "Read-only" in text("#auth-state"), text("#auth-state")
    shot("read-only")
    el("#token-button").click()
    wait(lambda: el("#token-dialog").is_displayed(), "the token dialog")
    el("#token-input").send_keys("wrong-token-wrong-token")
    el("#token-save").click()
    wait(lambda: "refused" in text("#token-error"), "the wrong token refused")
    el("#token-input").clear()
    el("#token-input").send_keys(TOKEN)
    el("#token-save").click()
    wait(lambda: els("#new-product") and el("#new-product").is_enabled(), "writes enabled with the token")
    assert d.execute_script("return sessionStorage.getItem('importer.token')") == TOKEN
    assert TOKEN not in d.current_url


@check
def narrow_and_dark():
    for index, name in enumerate(["Lamp, brass", "Café chair", "Oak table"]):
        api(OPEN, "POST", "/products", {"sku": f"PHONE-{index}", "name": name, "description": "Shown at 390 px wide"})
    d.set_window_size(390, 844)
    open_page(OPEN, "products")
    wait(lambda: text("#products-total") == "3 products", "the phone-width page")
    shot("products-phone")
    d.set_window_size(1280, 900)
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    open_page(OPEN, "webhooks")
    wait(lambda: len(els("#webhooks-body tr")) == 1, "the webhooks page")
    shot("webhooks-dark")
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def speed_verdict():
    if not ASSERT_SPEED:
        return None
    if timings["first_load_ms"] > 100:
        return f"first load took {timings['first_load_ms']:.0f} ms (target ≤ 100)"
    for key in ("products_next_page_ms", "products_filter_ms", "products_name_filter_ms"):
        if timings[key] > 150:
            return f"{key} {timings[key]:.0f} ms (target ≤ 150)"
    return None


harness.run(speed_verdict)
