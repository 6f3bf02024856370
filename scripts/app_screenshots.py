"""Screenshots of every app page in headless Chromium (Debian's /usr/bin/chromium).

    python scripts/app_screenshots.py OUT_DIR [--width 1440] [--port 8599]

Starts `streamlit run app.py` on localhost, opens each page (and the explorer at 820 px wide,
and after a lever move), waits until the script has finished and saves full-page PNGs in OUT_DIR.
For looking at the app as a person would; the browser tests check behaviour.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]
PAGES = [("explorer", "/"), ("compare", "/compare"), ("chips", "/chips"),
         ("evidence", "/evidence"), ("about", "/about"),
         ("explorer_overtime", "/?scenario=h20-requirement-2025-central&view=over-time"),
         ("explorer_fleet", "/?scenario=h20-requirement-2025-central&view=fleet")]


def wait_ready(page, timeout_ms=120_000, explorer=False):
    page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=timeout_ms)
    if explorer:                         # the headline's six numbers are drawn
        page.wait_for_function("() => document.querySelectorAll("
                               "'[data-testid=\"stMetricValue\"]').length === 6",
                               timeout=timeout_ms)
    time.sleep(1.0)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=timeout_ms)
    time.sleep(2.5)                      # charts draw after the script finishes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--port", type=int, default=8599)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
         "true", "--server.port", str(args.port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(300):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            for width in (args.width, 820):
                page = browser.new_page(viewport={"width": width, "height": 2000})
                for name, path in PAGES if width == args.width else PAGES[:1]:
                    page.goto(url + path)
                    wait_ready(page, explorer=path.startswith("/?") or path == "/")
                    page.screenshot(path=str(args.out / f"{name}_{width}.png"), full_page=True)
                    print("saved", name, width)
                page.close()
            page = browser.new_page(viewport={"width": args.width, "height": 2000})
            page.goto(url + "/?scenario=h20-requirement-2025-central&actor.mfu=0.5"
                      "&distillation.tokens=1e12")
            wait_ready(page, explorer=True)
            page.screenshot(path=str(args.out / "explorer_moved.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
