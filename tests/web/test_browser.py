"""The dashboard in a real browser: Debian's chromium driven by Selenium (headless), against
`coachbot dashboard` serving a seeded SQLite database on a free port. A login link from
`coachbot admin login-link`, the alert queue, an acknowledgement, a patient's timeline, a
refusal outside the clinician's groups, sign-out. Screenshots go to var/screenshots/.

Needs `apt-get install chromium chromium-driver` (.ci/run installs them); without them the
test is skipped. Selenium is pointed at /usr/bin/chromedriver, so it never downloads one.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import PROJECT_ROOT
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.content.registry import ContentRegistry
from bot.storage.db import Database
from bot.storage.models import Alert
from tests.web.seeding import START, Seeded, seed_dashboard

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(settings: Settings, url: str, base: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACHBOT_", "DATABASE_URL", "DASHBOARD_"))}
    env.update(DATABASE_URL=url, DASHBOARD_URL=base, COACHBOT_DATA_DIR=str(settings.data_dir),
               COACHBOT_DIALOGUES_DIR=str(settings.dialogues_dir), COACHBOT_CONTENT_DIR=str(settings.content_dir),
               COACHBOT_TRIAGE_MODEL="off", SE_OFFLINE="true")
    return env


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Seeded, str]]:
    """The dashboard serving a seeded database: (base URL, its environment, seeded ids, db URL)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'dashboard.sqlite3'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = replace(settings, dashboard_url=base)

    async def seed() -> Seeded:
        db = Database(url)
        content = ContentRegistry([settings.dialogues_dir, settings.content_dir])
        seeded = await seed_dashboard(db, settings, SimulatedClock(START), content)
        await db.dispose()
        return seeded

    seeded = asyncio.run(seed())
    env = environment(settings, url, base)
    log = (tmp_path / "dashboard.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "dashboard", "--listen", f"127.0.0.1:{port}"],
                               env=env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/signin", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the dashboard did not start:\n" + (tmp_path / "dashboard.log").read_text())
            time.sleep(0.2)
        yield base, env, seeded, url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=412,915"):  # a phone's screen
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"dashboard-{name}.png"))


def login_link(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "bot.cli", "admin", "login-link", "c1"], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip().splitlines()[-1]


def arrive(driver: Any, url: str | None = None, text: str | None = None) -> None:
    """Wait until a click's navigation has landed: at `url`, showing `text`."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 20).until(lambda d: (url is None or d.current_url == url)
                                    and (text is None or text in d.page_source))


def alert_status(url: str, alert_id: int) -> str:
    async def read() -> str:
        db = Database(url)
        async with db.transaction() as session:
            alert = await session.get(Alert, alert_id)
            assert alert is not None
            status = alert.status
        await db.dispose()
        return status

    return asyncio.run(read())


def test_a_clinician_signs_in_acts_on_an_alert_and_signs_out(server: tuple[str, dict[str, str], Seeded, str],
                                                             browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base, env, seeded, url = server
    link = login_link(env)
    assert link.startswith(base + "/login/")

    browser.get(link)
    assert "Dr Ada" in browser.page_source
    shot(browser, "1-sign-in")
    browser.find_element(By.XPATH, "//button[normalize-space()='Sign in']").click()
    arrive(browser, base + "/", "Your groups")
    assert "Signed in as Dr Ada" in browser.page_source
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to content", "the keyboard reaches the skip link first"
    shot(browser, "2-groups")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Group g1").click()
    arrive(browser, base + "/groups/g1")
    members = browser.find_element(By.TAG_NAME, "main").text
    assert members.index("Lena") < members.index("Maria") < members.index("Nora"), "by risk"
    shot(browser, "2-group")

    browser.find_element(By.PARTIAL_LINK_TEXT, "Alert queue").click()
    arrive(browser, base + "/alerts")
    queue = browser.find_element(By.TAG_NAME, "main").text
    assert queue.index("Lena") < queue.index("Maria"), "the crisis first"
    assert "Tom" not in queue
    shot(browser, "3-alert-queue")
    card = browser.find_element(By.ID, f"alert-{seeded.maria_alert}")
    card.find_element(By.XPATH, ".//button[@value='ack']").click()
    arrive(browser, text="Acknowledged:")
    assert "Acknowledged" in browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    shot(browser, "4-acknowledged")
    assert alert_status(url, seeded.maria_alert) == "acknowledged"

    browser.find_element(By.ID, f"alert-{seeded.maria_alert}").find_element(By.LINK_TEXT, "Maria").click()
    arrive(browser, base + "/patients/p1")
    assert "Timeline" in browser.page_source and "They wrote" in browser.page_source
    shot(browser, "5-patient")

    browser.get(base + "/patients/p2")
    assert "There is no patient with that id in your groups" in browser.page_source
    assert "Tom" not in browser.page_source
    shot(browser, "6-refused")

    browser.find_element(By.XPATH, "//button[normalize-space()='Sign out']").click()
    arrive(browser, base + "/signin?out=1", "You are signed out")
    shot(browser, "7-signed-out")
    browser.get(base + "/alerts")
    assert browser.current_url == base + "/signin"
    browser.get(link)
    assert "cannot be used" in browser.page_source, "a used link stays used"
