#!/usr/bin/env python3
"""The task monitor driven in a real Chromium (issue 19), against the real binary with the test
tasks enabled. Run by scripts/browser_tests.sh after browser/test_ui.py, on the same open server:

    browser/test_monitor.py URL DATA_DIR SHOTS_DIR

Each check prints one line; the run fails at the first failed check, or on a console error.
Screenshots of every monitor page go to SHOTS_DIR.
"""
import os, sys, time
from selenium.webdriver.support.ui import Select

import harness
from harness import api, check, click, d, el, els, open_page, shot, wait

URL, DATA, SHOTS = sys.argv[1:4]
harness.SHOTS = SHOTS
NOOP, SLEEP, FAIL = "importer.testing.noop", "importer.testing.sleep", "importer.testing.fail"


def submit(name, queue=None, **body):
    if queue:
        body["queue"] = queue
    return api(URL, "POST", "/tasks", {"name": name, **body})["task_id"]


def state(task):
    return api(URL, "GET", f"/tasks/{task}")["state"]


def fast_refresh():
    # The view renders after its first fetches: the control may not be there yet.
    wait(lambda: Select(el("#refresh-interval")).select_by_value("1") or True, "the refresh interval control")


def click_confirm():
    wait(lambda: el("#confirm-dialog").get_attribute("open") is not None, "the confirmation dialog")
    el("#confirm-ok").click()


@check
def the_chart_shows_the_minutes_count_after_200_tasks():
    before = api(URL, "GET", "/stats/timeseries", None)["totals"]["succeeded"]
    tasks = [submit(NOOP) for _ in range(200)]
    wait(lambda: all(state(task) == "SUCCESS" for task in tasks[-5:]) and api(URL, "GET", "/tasks/counts?queue=default")["counts"]["PENDING"] == 0,
         "200 tasks to finish", 60)
    open_page(URL, "monitor")
    fast_refresh()

    # Read in one script: the chart is redrawn every second.
    def bars():
        return d.execute_script("return [...document.querySelectorAll('#throughput svg g[data-succeeded]')].map(g => Number(g.dataset.succeeded))")
    wait(lambda: sum(bars()) == before + 200, f"the chart to show {before + 200} succeeded")
    assert bars()[-1] > 0 or bars()[-2] > 0, "the current minute's bar is drawn"
    assert "succeeded" in d.execute_script("return document.querySelector('#throughput svg').getAttribute('aria-label')")
    shot("monitor-overview")


@check
def a_failed_task_retried_from_the_ui_succeeds():
    marker = os.path.join(DATA, "retry-marker")
    task = submit(FAIL, kwargs={"unless_exists": marker})
    wait(lambda: state(task) == "FAILURE", "the task to fail")
    open_page(URL, f"tasks/{task}")
    wait(lambda: "FileMissing" in el("#task-error").text, "the error on the page")
    assert els("#attempts li"), "the attempt timeline"
    shot("monitor-task-failed")
    open(marker, "w").close()  # the cause is fixed
    click("#task-retry")
    wait(lambda: "/tasks/" in d.current_url and task not in d.current_url, "the page of the new task")
    retried = d.current_url.rsplit("/", 1)[1]
    wait(lambda: state(retried) == "SUCCESS", "the retried task to succeed")
    wait(lambda: els("#link-retry-of"), "the link to the task it re-runs")
    assert api(URL, "GET", f"/tasks/{task}")["retried_as"] == retried


@check
def a_running_task_revoked_from_the_ui_ends_revoked_within_2_s():
    task = submit(SLEEP, args=[60])
    wait(lambda: state(task) == "STARTED", "the sleep task to start")
    open_page(URL, f"tasks/{task}")
    wait(lambda: els("#task-revoke"), "the Revoke button")
    shot("monitor-task-running")
    clicked = time.time()
    click("#task-revoke")
    wait(lambda: state(task) == "REVOKED", "the task to end REVOKED", 5)
    took = time.time() - clicked
    harness.timings["revoke_running_task_s"] = took
    assert took <= 2, f"REVOKED after {took:.2f} s"


@check
def select_all_matching_revokes_500_waiting_tasks():
    for _ in range(500):
        submit(NOOP, queue="parked")  # no worker serves it: they wait
    open_page(URL, "tasks?queue=parked&state=PENDING")
    wait(lambda: len(els("#tasks-body tr[data-id]")) == 50, "the first page of waiting tasks")
    assert els("[data-state='PENDING'] .count")[0].text == "500"
    el("#select-page").click()
    wait(lambda: not el("#select-all-matching").get_attribute("hidden"), "the select-all-matching link")
    el("#select-all-matching").click()
    assert "All 500 matching" in el("#selection").text
    shot("monitor-tasks-select-all")
    el("#bulk-revoke").click()
    click_confirm()
    wait(lambda: api(URL, "GET", "/tasks/counts?queue=parked")["counts"]["REVOKED"] == 500, "500 tasks REVOKED")
    assert api(URL, "GET", "/tasks/counts?queue=parked")["counts"]["PENDING"] == 0


@check
def a_task_run_from_the_form():
    open_page(URL, "tasks")
    el("#run-task").click()
    wait(lambda: els("#run-form"), "the Run task form")
    Select(el("#run-name")).select_by_value(SLEEP)
    el("#run-args").send_keys("[0.1]")
    el("#run-priority").clear()
    el("#run-priority").send_keys("7")
    shot("monitor-run-task")
    el("#run-submit").click()
    wait(lambda: els("#submitted-task"), "the submitted task's link")
    task = el("#submitted-task").text
    wait(lambda: state(task) == "SUCCESS", "the task run from the form to succeed")
    detail = api(URL, "GET", f"/tasks/{task}")
    assert detail["args"] == [0.1] and detail["priority"] == 7, detail


@check
def pause_and_resume_a_queue():
    open_page(URL, "queues")
    fast_refresh()
    wait(lambda: els("#queues-body tr[data-queue='default']"), "the default queue's row")
    click("button[aria-label='Pause default']")
    wait(lambda: els("#queues-body tr[data-queue='default'] [data-paused]"), "the paused badge")
    task = submit(NOOP)
    time.sleep(1.5)
    assert state(task) == "PENDING", "a paused queue is not claimed from"
    shot("monitor-queues")
    click("button[aria-label='Resume default']")
    wait(lambda: state(task) == "SUCCESS", "the task to run after the resume", 10)
    wait(lambda: not els("#queues-body tr[data-queue='default'] [data-paused]"), "the badge to go")


@check
def quiet_a_worker_and_see_it_stop_claiming():
    open_page(URL, "workers")
    fast_refresh()
    wait(lambda: els("#workers-body tr[data-worker]"), "the worker's row")
    name = wait(lambda: els("#workers-body tr[data-worker]")[0].get_attribute("data-worker"), "the worker's name")
    click(f"button[aria-label='Quiet {name}']")
    wait(lambda: els(f"#workers-body tr[data-worker='{name}'] [data-status='quiet']"), "the quiet badge")
    time.sleep(1)  # the worker reads its request every 0.5 s
    task = submit(NOOP)
    time.sleep(1.5)
    assert state(task) == "PENDING", "a quiet worker claims nothing"
    shot("monitor-workers")
    click(f"button[aria-label='Resume {name}']")
    wait(lambda: state(task) == "SUCCESS", "the task to run after the resume", 10)


@check
def a_schedule_run_now():
    open_page(URL, "schedules")
    wait(lambda: els("#schedules-body tr[data-schedule='result_expiry']"), "the built-in schedules")
    wait(lambda: "every 5 minutes" in el("#schedules-body tr[data-schedule='result_expiry']").text, "the spec in words")
    click("button[aria-label='Run result_expiry now']")
    link = wait(lambda: els(".toast a[href^='#/tasks/']"), "the submitted task's link")[0]
    task = link.get_attribute("href").rsplit("/", 1)[1]
    wait(lambda: state(task) == "SUCCESS", "the schedule's task to succeed")
    shot("monitor-schedules")


harness.run()
