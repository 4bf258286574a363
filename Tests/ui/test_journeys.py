"""The admin's and a viewer's journeys in real headless Chromium against real servers.

Screenshots go to $UI_ARTIFACTS (default .build/ui-artifacts); with UI_SCREENSHOTS_DIR set,
the main ones are also copied there (docs/screenshots, for the README)."""

import os
import shutil
from pathlib import Path

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD

MAIN_SHOTS = {"tasks-admin", "task-form-admin", "analytics", "users", "tasks-viewer", "forbidden"}


def shot(driver, artifacts: Path, name: str) -> None:
    path = artifacts / f"{name}.png"
    driver.save_screenshot(str(path))
    target = os.environ.get("UI_SCREENSHOTS_DIR")
    if target and name in MAIN_SHOTS:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / f"{name}.png")


def fill(driver, name: str, value: str) -> None:
    field = driver.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def set_date(driver, value: str) -> None:
    # A date input's typed format follows the browser's locale; set the value itself.
    field = driver.find_element(By.NAME, "due_date")
    driver.execute_script("arguments[0].value = arguments[1]", field, value)


def click(driver, element) -> None:
    """Clicks something that loads a new page, and waits until the old one is gone.

    The old page is marked with a window property rather than watched through one of its
    elements: asking Chromium about an element while its document is being torn down can
    fail with "unhandled inspector error" instead of reporting it stale."""
    driver.execute_script("window.__journeyOldPage = true")
    element.click()
    wait = WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,))
    # A POST answered with a redirect replaces the page twice: wait for the last one.
    wait.until(lambda d: d.execute_script(
        "return window.__journeyOldPage === undefined && document.readyState === 'complete'")
        and d.find_elements(By.TAG_NAME, "footer"))


def submit(driver) -> None:
    click(driver, driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))


def log_in(driver, url: str, email: str, password: str) -> None:
    driver.get(url + "/login")
    fill(driver, "email", email)
    fill(driver, "password", password)
    submit(driver)


def log_out(driver) -> None:
    click(driver, driver.find_element(By.CSS_SELECTOR, "header form button"))


def nav_links(driver) -> set[str]:
    return {a.text for a in driver.find_elements(By.CSS_SELECTOR, "header nav a")}


def test_viewer_and_admin_journeys(servers, browser, artifacts):
    url = servers
    d = browser

    # A visitor registers; the page never shows a debug trace or an external asset.
    d.get(url + "/")
    shot(d, artifacts, "home")
    d.get(url + "/register")
    fill(d, "name", "Vera Viewer")
    fill(d, "email", "vera@example.com")
    fill(d, "password", "vera-password")
    fill(d, "confirm", "vera-password")
    submit(d)
    assert "/login" in d.current_url
    assert "the account is ready" in d.page_source

    # The viewer logs in, creates a task and sees only what is theirs.
    log_in(d, url, "vera@example.com", "vera-password")
    assert d.current_url.endswith("/tasks")
    assert nav_links(d) == {"Tasks", "New task"}
    click(d, d.find_element(By.CSS_SELECTOR, "header nav a[href='/tasks/new']"))
    fill(d, "title", "Prepare the quarterly report")
    fill(d, "description", "Numbers from finance, charts from the analytics page.")
    set_date(d, "2031-03-15")
    Select(d.find_element(By.NAME, "priority")).select_by_value("high")
    submit(d)
    assert "Task created." in d.page_source
    assert "Prepare the quarterly report" in d.find_element(By.TAG_NAME, "h1").text
    d.get(url + "/tasks")
    assert "My tasks" in d.page_source
    shot(d, artifacts, "tasks-viewer-before")
    d.get(url + "/analytics")
    assert "403" in d.page_source and "Not allowed" in d.page_source
    shot(d, artifacts, "forbidden")
    log_out(d)

    # The admin logs in, sees the viewer's task, creates and assigns one to the viewer.
    log_in(d, url, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert nav_links(d) == {"Tasks", "New task", "Analytics", "Users"}
    assert "All tasks" in d.page_source
    assert "Prepare the quarterly report" in d.page_source
    d.get(url + "/tasks/new")
    fill(d, "title", "Review the vendor contract")
    fill(d, "description", "Legal wants comments by Friday.")
    set_date(d, "2001-01-02")
    Select(d.find_element(By.NAME, "priority")).select_by_value("medium")
    Select(d.find_element(By.NAME, "assignee")).select_by_visible_text("Vera Viewer <vera@example.com>")
    shot(d, artifacts, "task-form-admin")
    submit(d)
    assert "Task created." in d.page_source
    for title, priority in [("Plan the team offsite", "low"), ("Renew the TLS certificates", "high")]:
        d.get(url + "/tasks/new")
        fill(d, "title", title)
        Select(d.find_element(By.NAME, "priority")).select_by_value(priority)
        submit(d)
    d.get(url + "/tasks")
    rows = d.find_elements(By.CSS_SELECTOR, "table.tasks tbody tr")
    assert len(rows) == 4
    shot(d, artifacts, "tasks-admin")

    d.get(url + "/analytics")
    assert d.find_element(By.CSS_SELECTOR, "svg.chart")
    assert "Review the vendor contract" in d.find_element(By.XPATH, "//h2[text()='Overdue tasks']/..").text
    shot(d, artifacts, "analytics")

    d.get(url + "/admin/users")
    row = d.find_element(By.XPATH, "//tr[td[text()='vera@example.com']]")
    assert "viewer" in row.text
    shot(d, artifacts, "users")
    log_out(d)

    # The viewer sees the task assigned to them, and can mark it done.
    log_in(d, url, "vera@example.com", "vera-password")
    assert "Review the vendor contract" in d.page_source
    assert "Plan the team offsite" not in d.page_source
    shot(d, artifacts, "tasks-viewer")
    click(d, d.find_element(By.LINK_TEXT, "Review the vendor contract"))
    click(d, d.find_element(By.LINK_TEXT, "Edit"))
    Select(d.find_element(By.NAME, "status")).select_by_value("completed")
    assert not d.find_elements(By.NAME, "assignee")
    submit(d)
    assert "Task saved." in d.page_source and "Completed" in d.page_source
    log_out(d)

    # The admin promotes the viewer in the UI; the viewer then sees every task.
    log_in(d, url, ADMIN_EMAIL, ADMIN_PASSWORD)
    d.get(url + "/admin/users")
    row = d.find_element(By.XPATH, "//tr[td[text()='vera@example.com']]")
    Select(row.find_element(By.NAME, "role")).select_by_value("admin")
    click(d, row.find_element(By.CSS_SELECTOR, "button"))
    assert "Vera Viewer is now admin." in d.page_source
    log_out(d)
    log_in(d, url, "vera@example.com", "vera-password")
    assert "All tasks" in d.page_source
    assert "Plan the team offsite" in d.page_source
    assert "Users" in nav_links(d)


def test_wrong_password_and_forged_redirect(servers, browser, artifacts):
    d = browser
    d.get(servers + "/login?next=https://evil.example/")
    fill(d, "email", ADMIN_EMAIL)
    fill(d, "password", "not-the-password")
    submit(d)
    assert "Wrong e-mail or password." in d.page_source
    shot(d, artifacts, "login-failed")
    log_in(d, servers, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert d.current_url.startswith(servers)
