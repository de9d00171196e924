"""The demo page in headless Chromium (slow: a browser, and the shipped model for the screenshot).

`make browser` installs Chromium and chromedriver (Debian packages); without them these tests
skip. The server runs in a thread on a free port. ``DEMO_SCREENSHOT=docs/demo.png`` saves the
screenshot of the shipped adapter's answer there (the README's image).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import icalendar
import pytest

from calendar_ner.decode.decoder import Decoded
from calendar_ner.extract import RELEASE_ADAPTER, CalendarExtractor
from calendar_ner.schema import FIELDS
from calendar_ner.serve import create_app
from tests.conftest import answer_with

pytestmark = pytest.mark.slow

REFERENCE, ZONE = "2026-11-25T09:00", "Europe/Berlin"
DEMO = "Team sync next Monday at 10am for 30 minutes with Ana and Bo in Room 4B, repeating weekly"


def _browser(downloads: Path):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (the dev extra)")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not binary or not driver:
        pytest.skip("no Chromium and chromedriver on PATH: `make browser` installs them")
    options = Options()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    options.add_argument("--window-size=1000,1200")
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    return webdriver.Chrome(service=Service(driver), options=options)


@contextmanager
def _serving(extractor) -> Iterator[str]:
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(extractor), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _ask(browser, url: str, text: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    browser.find_element(By.ID, "text").send_keys(text)
    browser.execute_script(
        "document.getElementById('reference').value = arguments[0];"
        "document.getElementById('timezone').value = arguments[1];",
        REFERENCE,
        ZONE,
    )
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 120).until(ec.visibility_of_element_located((By.ID, "card")))
    return browser.find_element(By.ID, "card")


def test_page_highlights_card_and_ics_download(adapter_dir, tmp_path):
    """The tiny adapter serves; its decoder is scripted so the answer (and the page) is known."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    event = {
        "action": "Design review",
        "date": "03/02/2025",
        "time": "4:00 PM",
        "attendees": ["Priya", "Omar"],
        "location": "Room 4B",
        "duration": "1 hour",
        "recurrence": "weekly",
        "notes": None,
    }
    text = "Design review on 3rd, Feb 2025 at 4pm with Priya and Omar at Room 4B for 1hr, weekly"
    extractor = CalendarExtractor.from_pretrained(adapter_dir, dtype="float32", device="cpu")
    scores = dict.fromkeys(FIELDS, -0.05)
    raw = json.dumps(event)
    answer_with(extractor.decoder, lambda texts: [Decoded(raw, scores) for _ in texts])
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser = _browser(downloads)
    try:
        with _serving(extractor) as url:
            card = _ask(browser, url, text)
            assert card.find_element(By.ID, "card-title").text == "Design review"
            starts = card.find_element(By.CSS_SELECTOR, "dd[data-key=Starts]").text
            assert starts == "Monday 3 February 2025, 16:00"
            repeats = card.find_element(By.CSS_SELECTOR, "dd[data-key=Repeats]").text
            assert repeats == "every Monday"
            marks = browser.find_elements(By.CSS_SELECTOR, "#highlighted mark")
            shown = {m.get_attribute("data-field"): m.text for m in marks}
            assert shown["date"].startswith("3rd, Feb 2025") and "95%" in shown["date"]
            assert shown["time"].startswith("4pm") and shown["duration"].startswith("1hr")
            assert sum(m.get_attribute("data-field") == "attendees" for m in marks) == 2
            browser.find_element(By.ID, "download").click()
            deadline = time.monotonic() + 30
            while not list(downloads.glob("*.ics")):
                assert time.monotonic() < deadline, "no .ics downloaded"
                time.sleep(0.1)
            time.sleep(0.2)
            ics = icalendar.Calendar.from_ical(next(downloads.glob("*.ics")).read_bytes())
            (vevent,) = ics.walk("VEVENT")
            assert str(vevent["SUMMARY"]) == "Design review"
            assert vevent.decoded("DTSTART").isoformat() == "2025-02-03T16:00:00+01:00"
            browser.get(url + "/docs")  # Swagger UI renders from the package's own assets
            WebDriverWait(browser, 30).until(
                ec.presence_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info .title"))
            )
    finally:
        browser.quit()


@pytest.mark.skipif(not RELEASE_ADAPTER.is_dir(), reason="no shipped adapter")
def test_screenshot_with_the_shipped_adapter(tmp_path):
    from selenium.webdriver.common.by import By

    extractor = CalendarExtractor.from_pretrained(RELEASE_ADAPTER)
    browser = _browser(tmp_path)
    try:
        with _serving(extractor) as url:
            card = _ask(browser, url, DEMO)
            assert card.find_element(By.ID, "card-title").text == "Team sync"
            assert browser.find_elements(By.CSS_SELECTOR, "#highlighted mark")
            assert card.find_element(By.CSS_SELECTOR, "dd[data-key=Repeats]").text == "every Monday"
            height = browser.execute_script("return document.documentElement.scrollHeight")
            browser.execute_cdp_cmd(  # the whole page in one image
                "Emulation.setDeviceMetricsOverride",
                {"width": 1000, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            path = Path(os.environ.get("DEMO_SCREENSHOT") or tmp_path / "demo.png")
            assert browser.save_screenshot(str(path))
            assert path.stat().st_size < 300_000
    finally:
        browser.quit()
