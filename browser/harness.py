"""What the browser tests share (browser/test_ui.py, browser/test_monitor.py): one headless
Chromium driven by Selenium, waits, screenshots, the API, and the run loop that stops at the
first failed check, then fails on any console error but the 4xx answers a check provoked.
Imported by each test script; the browser starts on import."""
import json, os, sys, time, urllib.request
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

SHOTS = None  # set by the script: where shot() writes
timings = {}
facts = {}
# Chromium logs every 4xx/5xx answer as a console error ("Failed to load resource"); these are the
# ones the checks provoke on purpose. Any other console error fails the run.
PROVOKED = ("status of 409", "status of 401")


def api(base, method, path, body=None, token=None):
    request = urllib.request.Request(base + "/api/v1" + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        data = response.read()
        return json.loads(data) if data else None


def browser():
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--disable-gpu"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    return driver


d = browser()
console = []


def wait(condition, what, timeout=20.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (NoSuchElementException, StaleElementReferenceException, IndexError, KeyError, ValueError) as error:
            last = error
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}" + (f" ({last})" if last else ""))


def el(selector):
    return d.find_element(By.CSS_SELECTOR, selector)


def click(selector):
    """Clicks the element, found again if a live refresh replaced it meanwhile."""
    wait(lambda: el(selector).click() or True, f"to click {selector}")


def els(selector):
    return d.find_elements(By.CSS_SELECTOR, selector)


def text(selector):
    found = els(selector)
    return found[0].text if found else ""


def shot(name):
    d.execute_script("document.getElementById('toasts').replaceChildren()")  # notices of earlier steps
    d.save_screenshot(os.path.join(SHOTS, f"{name}.png"))


def drain_console():
    for entry in d.get_log("browser"):
        console.append(entry)


def open_page(base, route):
    drain_console()
    d.get(f"{base}/ui/#/{route}")
    wait(lambda: d.execute_script("return document.documentElement.dataset.ready"), "the UI to start")



checks = []


def check(function):
    checks.append(function)
    return function



def run(verdict=None):
    """Runs the checks in order; `verdict()` may return a failure of its own (speed targets).
    Exits the process with the result."""
    failed = None
    started = time.time()
    try:
        for function in checks:
            began = time.time()
            try:
                function()
            except Exception as error:
                failed = f"{function.__name__}: {type(error).__name__}: {error}"
                shot(f"FAILED-{function.__name__}")
                print(f"FAIL {function.__name__} ({time.time() - began:.1f} s): {error}", flush=True)
                break
            print(f"ok   {function.__name__} ({time.time() - began:.1f} s)", flush=True)
        drain_console()
    finally:
        d.quit()
    errors = [entry["message"] for entry in console if entry["level"] == "SEVERE" and not any(p in entry["message"] for p in PROVOKED)]
    for name, value in timings.items():
        print(f"timing {name} {value:.1f}")
    for name, value in facts.items():
        print(f"fact {name} {value}")
    if errors and not failed:
        failed = "console errors:\n  " + "\n  ".join(errors)
        print(f"FAIL {failed}")
    if not failed and verdict:
        failed = verdict()
        if failed:
            print(f"FAIL {failed}")
    print(f"{'FAILED' if failed else 'passed'}: {len(checks)} checks in {time.time() - started:.0f} s")
    sys.exit(1 if failed else 0)
