"""A real headless browser for the dashboard tests: Debian's Chromium through its
chromedriver, driven by Selenium (`.ci/run` installs both packages when they are missing).
Downloads go to a folder of the test; every wait is on a condition with a deadline."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.browser.dashboard_site import Site, serve

CHROMIUM = os.environ.get("KINERJA_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("KINERJA_CHROMEDRIVER", "/usr/bin/chromedriver")


def _browser_present() -> bool:
    return Path(CHROMIUM).exists() and bool(
        shutil.which(CHROMEDRIVER) or Path(CHROMEDRIVER).exists()
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo database's dashboard, served for the module's tests."""
    served, stop = serve(tmp_path_factory.mktemp("dasbor"))
    try:
        yield served
    finally:
        stop()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser saves what it downloads."""
    return tmp_path_factory.mktemp("unduhan")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[webdriver.Chrome]:
    """Headless Chromium (the distribution's), phone-to-desktop sized at 1280×900."""
    if not _browser_present():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} or {CHROMEDRIVER} missing: .ci/run installs them")
        pytest.skip("chromium and chromium-driver are not installed (apt-get install them)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--lang=id",
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()
