"""End to end in a real browser: the API (tests/ui/conftest.py) and the Streamlit UI on loopback,
driven by headless Chromium through Selenium. Each step leaves a screenshot (a test artefact in
$TMPDIR/llmx-ui-screenshots; `LLMX_UI_SCREENSHOTS=docs/screenshots` refreshes the README's), and each
page's time to render once warm is measured (target under 2 s) and written beside them.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import ROOT, free_port
from ui.client import ModelQuery

from .conftest import APP_FILE, UiWorld

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SHOTS = Path(os.environ.get("LLMX_UI_SCREENSHOTS", Path(tempfile.gettempdir()) / "llmx-ui-screenshots"))
WARM_RENDER_LIMIT_S = 2.0
ANSWER_TIMEOUT_S = 300  # the chat model on 2 shared CPU cores


@pytest.fixture(scope="module")
def ui_url(ui_world: UiWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("streamlit") / "streamlit.log").open("w")
    command = [
        sys.executable, "-m", "streamlit", "run", APP_FILE, "--server.address", "127.0.0.1",
        "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal",
    ]  # fmt: skip
    env = {**os.environ, "LLMX_UI_API_URL": ui_world.api_url}
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"streamlit did not start; see {log.name}")
        time.sleep(0.3)
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail(
            "Debian's chromium and chromium-driver are needed: `make browser` installs them (as root)."
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1440,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


class Ui:
    """The few moves the test makes in the page, each waiting for Streamlit to finish its run."""

    def __init__(self, driver: WebDriver, url: str) -> None:
        self.driver, self.url = driver, url
        self.timings: dict[str, float] = {}
        SHOTS.mkdir(parents=True, exist_ok=True)

    def until(self, condition: Callable[[WebDriver], object], timeout: float = 60, what: str = "") -> None:
        def safe(driver: WebDriver) -> object:
            try:
                return condition(driver)
            except StaleElementReferenceException:
                return False

        try:
            WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(safe, message=what)
        except TimeoutException:
            self.keep_failure()
            raise

    def keep_failure(self) -> None:
        """The page as it was when a step failed, beside the temp files, to see why."""
        where = Path(tempfile.gettempdir())
        self.driver.save_screenshot(str(where / "llmx-ui-failure.png"))
        (where / "llmx-ui-failure.txt").write_text(self.body())

    def idle(self, timeout: float = 60) -> None:
        """Streamlit has finished the script run (its status widget says it is no longer running)."""
        script = (
            "const app = document.querySelector('[data-testid=\"stApp\"]');"
            "return app && app.getAttribute('data-test-script-state') !== 'running'"
            " && !document.querySelector('[data-testid=\"stStatusWidget\"] [data-testid=\"stStatusWidgetRunningIcon\"]');"
        )  # fmt: skip
        time.sleep(0.05)
        self.until(lambda d: d.execute_script(script), timeout, "the script run did not finish")

    def body(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def see(self, text: str, timeout: float = 60) -> None:
        self.until(lambda d: text in self.body(), timeout, f"never saw {text!r}")

    def shot(self, name: str, full: bool = False) -> None:
        """A screenshot of the window, or (full) of the whole page up to 2400 px tall."""
        if not full:
            self.driver.save_screenshot(str(SHOTS / f"{name}.png"))
            return
        size = self.driver.get_window_size()
        height = self.driver.execute_script(
            "return Math.max(...Array.from(document.querySelectorAll("
            '\'[data-testid="stMain"], [data-testid="stMainBlockContainer"]\')).map(e => e.scrollHeight), 0);'
        )
        self.driver.set_window_size(size["width"], min(2400, max(size["height"], int(height) + 120)))
        time.sleep(0.8)  # charts re-lay out to the new size
        self.driver.save_screenshot(str(SHOTS / f"{name}.png"))
        self.driver.set_window_size(size["width"], size["height"])

    def button(self, label: str) -> WebElement:
        return self.driver.find_element(
            By.XPATH, f"//button[contains(normalize-space(.), {json.dumps(label)})]"
        )

    def tab(self, label: str) -> None:
        self.driver.find_element(By.XPATH, f'//*[@role="tab"][contains(., {json.dumps(label)})]').click()
        time.sleep(0.3)

    def nav(self) -> dict[str, WebElement]:
        """The menu's links by title (a link's text starts with its icon's name)."""
        links = self.driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNavLink"]')
        return {a.text.splitlines()[-1]: a for a in links if a.text}

    def nav_links(self) -> list[str]:
        return list(self.nav())

    def settled_menu(self, expected: list[str], timeout: float = 20) -> None:
        """Wait (quietly) for the menu to show `expected`: right after sign-in the app reruns to move
        off the sign-in page, and on a busy machine the menu can be read between those runs. The
        assertion that follows decides."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(StaleElementReferenceException):
                if self.nav_links() == expected:
                    break
            time.sleep(0.1)
        self.idle()

    def go(self, title: str, heading: str) -> float:
        """Click a page in the menu; seconds until its heading shows and the run is over."""
        link = self.nav()[title]
        started = time.perf_counter()
        link.click()
        self.until(
            lambda d: any(h.text == heading for h in d.find_elements(By.CSS_SELECTOR, "h1")),
            60,
            f"no {heading}",
        )
        self.idle()
        return time.perf_counter() - started

    def sign_in(self, token: str) -> None:
        self.driver.get(self.url)
        self.see("API key")
        self.idle()
        field = self.driver.find_element(By.CSS_SELECTOR, 'input[type="password"]')
        field.send_keys(token)
        self.button("Sign in").click()
        self.until(lambda d: "Sign out" in self.body(), 60, "not signed in")
        self.idle()

    def sign_out(self) -> None:
        self.button("Sign out").click()
        self.see("API key")
        self.idle()


def test_sign_in_ask_explore_compare_and_roles_in_a_browser(
    ui_world: UiWorld, ui_url: str, browser: WebDriver
) -> None:
    ui = Ui(browser, ui_url)
    try:
        walk_through(ui, ui_world, browser, ui_url)
    except AssertionError:
        ui.keep_failure()
        raise


def walk_through(ui: Ui, ui_world: UiWorld, browser: WebDriver, ui_url: str) -> None:
    browser.get(ui_url)
    ui.see("API key")
    ui.idle()
    ui.shot("01-sign-in")

    # An analyst signs in: name, role and tenant in the sidebar, no Admin page in the menu.
    ui.sign_in(ui_world.keys["analyst"])
    analyst_menu = ["Chat", "Model explorer", "Model", "Compare", "News"]
    ui.settled_menu(analyst_menu)
    assert "analyst@acme" in ui.body() and "tenant acme" in ui.body()
    assert ui.nav_links() == analyst_menu

    # Chat: a question, a streamed answer with numbered citations that open to their evidence.
    model = ui_world.ctx.store.read(
        "MATCH (m:Model) WHERE toLower(m.name) CONTAINS 'llama' AND m.context_length IS NOT NULL "
        "RETURN m.id AS id, m.name AS name ORDER BY m.id LIMIT 1"
    )[0]
    box = browser.find_element(By.CSS_SELECTOR, 'textarea[data-testid="stChatInputTextArea"]')
    box.send_keys(f"What is the context length of {model['name']}?", Keys.ENTER)
    ui.until(
        lambda d: d.find_elements(By.XPATH, '//details//summary[contains(., "[1] ")]'),
        ANSWER_TIMEOUT_S, "no cited answer",
    )  # fmt: skip
    ui.idle(ANSWER_TIMEOUT_S)
    ui.shot("02-chat-answer")
    browser.find_element(By.XPATH, '//details//summary[contains(., "[1] ")]').click()
    ui.see("Graph fact")
    ui.shot("03-chat-citation")
    browser.find_element(
        By.XPATH, '//details//summary[contains(., "How the question was understood")]'
    ).click()
    ui.see("Question family:")
    ui.shot("14-chat-understood")

    # Explorer: the whole catalog, then filtered by name.
    ui.go("Model explorer", "Model explorer")
    ui.see("models match")
    total = _count(ui.body())
    ui.shot("04-explorer", full=True)
    search = browser.find_element(By.CSS_SELECTOR, 'input[aria-label="Search names and ids"]')
    search.send_keys("llama")
    ui.button("Apply filters").click()
    ui.until(lambda d: _count(ui.body()) not in (None, total), 60, "the filter changed nothing")
    ui.idle()
    filtered = _count(ui.body())
    assert filtered is not None and total is not None and 0 < filtered < total

    # ...and by price, server-side: a ceiling that keeps some of those models and drops others.
    analyst = ui_world.client("analyst")
    prices = sorted({m.input_usd_per_1m for m in analyst.models(ModelQuery(q="llama", limit=200)).items
                     if m.input_usd_per_1m is not None})  # fmt: skip
    ceiling = round(prices[max(1, len(prices) // 2)], 2)  # two or more models stay, to compare
    expected = analyst.models(ModelQuery(q="llama", max_input_price=ceiling)).total
    assert 2 <= expected < filtered
    price = browser.find_element(By.CSS_SELECTOR, 'input[aria-label="Max input price (USD / 1M tokens)"]')
    price.send_keys(f"{ceiling:.2f}", Keys.TAB)
    ui.button("Apply filters").click()
    ui.until(lambda d: _count(ui.body()) == expected, 60, f"the price filter did not give {expected} models")
    ui.idle()
    ui.shot("05-explorer-filtered")

    # Open a model page from the explorer.
    link = browser.find_element(By.XPATH, '//a[@data-testid="stPageLink-NavLink"][contains(., "Open ")]')
    name = link.text.splitlines()[-1].strip()[len("Open ") :]
    link.click()
    ui.until(
        lambda d: any(h.text == name for h in d.find_elements(By.CSS_SELECTOR, "h1")), 60, "no model page"
    )
    ui.idle()
    ui.see("Facts & provenance")
    assert "Context length" in ui.body()
    ui.shot("06-model-page")
    ui.tab("Benchmarks")
    ui.shot("07-model-benchmarks", full=True)
    ui.tab("Graph")
    ui.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stGraphVizChart"] svg'), 60, "no graph"
    )
    ui.shot("08-model-graph", full=True)

    # Compare two models picked in the explorer.
    ui.go("Model explorer", "Model explorer")
    picker = browser.find_element(  # the explorer's filters have multiselects too
        By.XPATH, '//div[@data-testid="stMultiSelect"][contains(., "Compare (up to four)")]//input'
    )
    for _ in range(2):
        picker.click()
        picker.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
        ui.idle()
    browser.find_element(By.CSS_SELECTOR, "h1").click()  # close the drop-down
    ui.until(lambda d: "Compare 2 models" in self_text(d), 30, "no compare link")
    browser.find_element(
        By.XPATH, '//a[@data-testid="stPageLink-NavLink"][contains(., "Compare 2 models")]'
    ).click()
    ui.until(
        lambda d: any(h.text == "Compare models" for h in d.find_elements(By.CSS_SELECTOR, "h1")),
        60,
        "no compare",
    )
    ui.idle()
    ui.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "h3")) >= 2, 60, "not two models")
    ui.until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stVegaLiteChart"]'), 60, "no charts")
    ui.shot("09-compare", full=True)

    ui.go("News", "AI news")
    ui.see("articles")
    ui.shot("10-news")

    # Warm render time of each page the analyst has (every page was visited once above).
    for title, heading in (("Chat", "Chat"), ("Model explorer", "Model explorer"), ("Model", name),
                           ("Compare", "Compare models"), ("News", "AI news")):  # fmt: skip
        ui.timings[title] = round(ui.go(title, heading), 3)

    # An admin sees the Admin page; a viewer does not.
    ui.sign_out()
    ui.sign_in(ui_world.keys["admin"])
    ui.settled_menu([*analyst_menu, "Admin"])
    assert "Admin" in ui.nav_links()
    ui.go("Admin", "Admin · tenant acme")
    ui.see("Users, keys & roles")
    ui.tab("Users, keys & roles")
    ui.see("Policy rules in force")
    ui.shot("11-admin-users", full=True)
    ui.tab("Monitoring")
    ui.see("Mean latency")
    ui.shot("12-admin-monitoring", full=True)
    ui.go("Chat", "Chat")
    ui.timings["Admin"] = round(ui.go("Admin", "Admin · tenant acme"), 3)
    ui.sign_out()
    ui.sign_in(ui_world.keys["viewer"])
    ui.settled_menu(analyst_menu)
    assert "Admin" not in ui.nav_links() and "viewer@acme" in ui.body()
    ui.shot("13-viewer-menu")

    (SHOTS / "timings.json").write_text(json.dumps(ui.timings, indent=2) + "\n")
    print("warm render seconds per page:", ui.timings)
    slow = {page: s for page, s in ui.timings.items() if s >= WARM_RENDER_LIMIT_S}
    assert not slow, f"pages slower than {WARM_RENDER_LIMIT_S} s once warm: {slow}"


def self_text(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def _count(text: str) -> int | None:
    for line in text.splitlines():
        if "models match" in line:
            head = line.split("models match")[0].strip()
            return int(head) if head.isdigit() else None
    return None
