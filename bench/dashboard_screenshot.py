"""The README's screenshot of the dashboard's group page (docs/images/dashboard-group.png).

A demo database (SQLite, in a temporary directory) with one group of eight patients whose
names are made up, four weeks of check-ins, questionnaires, messages and alerts (the same
generator as bench/dashboard_bench.py, seeded, so the picture only changes when the page
does); `coachbot dashboard` serves it; Debian's chromium (headless, through
/usr/bin/chromedriver, as tests/web/test_browser.py drives it) opens the group page signed in
and saves it, cropped to the page and reduced to a palette PNG.

    python bench/dashboard_screenshot.py [--out docs/images/dashboard-group.png] [--width 900]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dashboard_bench import Cohort, clinician_id, prepared, served
from bot import PROJECT_ROOT
from bot.web.app import COOKIE

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DEMO = Cohort(groups=1, group_size=8, weeks=4, seed=7, group_names=["Knee and back, Tuesdays"],
              patient_names=["Anna K.", "Ben T.", "Clara M.", "David R.", "Elif S.", "Finn W.", "Greta H.",
                             "Hanna L."], clinician_names=["Dr Ada Sample"])
"""Made-up people: no name here belongs to anyone's record."""


async def open_crisis(url: str, patient_name: str) -> None:
    """One demo patient with an open crisis (the page puts it first, marked), as a triage
    alert would leave it."""
    from sqlalchemy import select

    from bot.storage.db import Database
    from bot.storage.models import Alert, Patient

    db = Database(url)
    try:
        async with db.transaction() as session:
            patient = (await session.scalars(select(Patient).where(Patient.name == patient_name))).one()
            patient.crisis_open = True
            session.add(Alert(patient_id=patient.id, group_id=patient.group_id, severity="crisis", source="triage",
                              reason="hopelessness ('no way out')", text="I don't see a way out of this",
                              context={}, status="open", escalation_level=0, created_at=DEMO.now))
    finally:
        await db.dispose()


def browser(width: int) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--hide-scrollbars", "--force-device-scale-factor=1", f"--window-size={width},800"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def shrink(source: Path, out: Path) -> None:
    """A 128-colour palette PNG: text and flat colours survive it, and it is a fraction of the size."""
    from PIL import Image

    with Image.open(source) as image:
        image.convert("RGB").quantize(colors=128, dither=Image.Dither.NONE).save(out, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "images" / "dashboard-group.png")
    parser.add_argument("--width", type=int, default=900, help="browser window width in pixels")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coachbot_screenshot_") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'demo.sqlite3'}"
        prepared(PROJECT_ROOT, url, DEMO, "")
        asyncio.run(open_crisis(url, "Greta H."))
        with served(PROJECT_ROOT, url, clinician_id(0), "demo") as dashboard:
            driver = browser(args.width)
            try:
                driver.get(dashboard.base + "/signin")
                driver.add_cookie({"name": COOKIE, "value": dashboard.client.cookies[COOKIE], "path": "/"})
                driver.get(dashboard.base + "/groups/g001")
                if "Patients by risk" not in driver.page_source:
                    raise SystemExit("the group page did not open:\n" + driver.page_source[:2000])
                for _ in range(3):  # the window's frame takes some of its height: grow until the page fits
                    missing = int(driver.execute_script(
                        "return document.documentElement.scrollHeight - window.innerHeight"))
                    if missing <= 0:
                        break
                    size = driver.get_window_size()
                    driver.set_window_size(args.width, size["height"] + missing)
                raw = Path(tmp) / "raw.png"
                driver.save_screenshot(str(raw))
            finally:
                driver.quit()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shrink(raw, args.out)
    print(f"{args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
