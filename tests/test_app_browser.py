"""The app in a real browser: headless Chromium (Debian's package) driven by Playwright.

Starts `streamlit run app.py` on a free localhost port, opens the explorer, moves a lever with
the keyboard and checks that the headline number and the link change. Skips only when no
Chromium is installed (scripts/ensure_chromium.sh installs it; CI runs that first).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """Yields the URL of a headless Streamlit server running app.py; stops it afterwards."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--global.developmentMode", "false"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if server.poll() is not None or time.time() > deadline:
                pytest.fail("streamlit did not start:\n" + log_path.read_text()[-2000:])
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def page(app_url):
    """Yields a Playwright page in headless Chromium."""
    executable = chromium()
    if executable is None:
        pytest.skip("no Chromium at /usr/bin/chromium: run scripts/ensure_chromium.sh")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        yield context.new_page()
        context.close()
        browser.close()


def wait_for_app(page, timeout_ms=90_000):
    """Waits until the script has finished running and no element is still a placeholder."""
    page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=timeout_ms)
    page.wait_for_selector("[data-testid='stMetricValue']", timeout=timeout_ms)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=timeout_ms)
    page.wait_for_function(                          # both strategies' three numbers drawn
        "() => document.querySelectorAll('[data-testid=\"stMetricValue\"]').length === 6",
        timeout=timeout_ms)


def headline(page) -> list[str]:
    return page.get_by_test_id("stMetricValue").all_inner_texts()


def test_moving_a_lever_in_the_browser_changes_the_headline(page, app_url):
    page.goto(f"{app_url}/")
    wait_for_app(page)
    before = headline(page)
    assert len(before) == 6, before                  # lag, FLOP, cost for both paths
    assert "scenario=" in page.url

    slider = page.get_by_test_id("stSlider").filter(has_text="MFU").get_by_role("slider")
    slider.focus()
    started = time.perf_counter()
    slider.press("End")                              # MFU to its maximum
    page.wait_for_function(
        "before => { const v = [...document.querySelectorAll("
        "'[data-testid=\"stMetricValue\"]')].map(e => e.innerText);"
        " return v.length === 6 && v.join('|') !== before.join('|'); }",
        arg=before, timeout=60_000)
    elapsed_ms = 1000 * (time.perf_counter() - started)
    print(f"browser: lever to new headline in {elapsed_ms:.0f} ms")
    wait_for_app(page)
    after = headline(page)
    assert after != before
    assert "actor.mfu=0.8" in page.url

    page.goto(page.url)                              # the link reproduces the view
    wait_for_app(page)
    assert headline(page) == after


def test_a_bad_link_shows_a_message_in_the_browser(page, app_url):
    page.goto(f"{app_url}/?scenario=nope&actor.mfu=lots")
    wait_for_app(page)
    alerts = " ".join(page.get_by_test_id("stAlert").all_inner_texts())
    assert "nope" in alerts and "actor.mfu" in alerts
    assert len(headline(page)) == 6
    assert page.get_by_test_id("stException").count() == 0


def wait_for_page(page, timeout_ms=90_000):
    """Waits until a page's script has finished running (any page, not only the explorer)."""
    page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=timeout_ms)
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=timeout_ms)


def test_the_landing_page_states_the_question(page, app_url):
    page.goto(f"{app_url}/")
    wait_for_app(page)
    text = page.get_by_test_id("stMain").inner_text()
    assert "The question." in text
    assert "How much AI capability can an actor under US export controls reach" in text
    page.get_by_text("New here? How to read this page").click()
    page.get_by_text("Measured vs assumed").wait_for(timeout=10_000)


def test_a_moved_lever_makes_the_downloaded_toml_say_modified(page, app_url, tmp_path):
    import tomllib

    page.goto(f"{app_url}/?scenario=h20-requirement-2025-central")
    wait_for_app(page)
    slider = page.get_by_test_id("stSlider").filter(has_text="MFU").get_by_role("slider")
    slider.focus()
    slider.press("End")                              # MFU 0.35 -> 0.8
    page.wait_for_url("**actor.mfu=0.8**", timeout=60_000)
    wait_for_app(page)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Scenario (TOML)").click()
    download = info.value
    assert download.suggested_filename.startswith("modified-from-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["name"].startswith('Modified from "2025 H20')
    assert "(actor.mfu): 0.35 -> 0.8" in data["description"]
    assert abs(data["actor"]["mfu"] - 0.8) < 1e-9


def test_the_chip_rule_matrix_shows_the_h20_across_rules(page, app_url):
    page.goto(f"{app_url}/chips")
    wait_for_page(page)
    cell = "[data-testid='status-matrix'] td[data-chip='H20'][data-rule='{}']"
    page.wait_for_selector(cell.format("2023-10"), timeout=60_000)
    assert page.locator(cell.format("2023-10")).inner_text().strip() == "Not controlled"
    assert page.locator(cell.format("2025-04")).inner_text().strip() == "Licence required"
    assert "H20 letter" in page.locator(cell.format("2025-04")).get_attribute("title")


def test_a_shared_link_restores_the_view_tab(page, app_url):
    page.goto(f"{app_url}/?scenario=h20-requirement-2025-central")
    wait_for_app(page)
    page.get_by_test_id("stButtonGroup").get_by_text("Over time").click()
    page.wait_for_url("**view=over-time**", timeout=60_000)
    wait_for_app(page)
    shared_link = page.url
    page.goto(f"{app_url}/compare")                   # leave, then open the shared link
    wait_for_page(page)
    page.goto(shared_link)
    wait_for_app(page)
    page.get_by_text("Fixed-fleet assumption", exact=False).wait_for(timeout=60_000)
    assert "view=over-time" in page.url
