"""Headless Chromium (Debian's package) driven by Playwright against the live portal."""

import importlib
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("EWTP_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"EWTP_REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(
        reason="Chromium not installed (Debian package 'chromium'); `make test` installs it as root"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread, which makes Django refuse
    # the (synchronous, safe) ORM calls of the fixtures; allowed for browser tests only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    yield page
    context.close()


ARTIFACTS = Path(os.environ.get("EWTP_TEST_ARTIFACTS", "var/test-artifacts")) / "browser"


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot of where a journey ended, as a test artefact."""

    def take(page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def risk_rules(transactional_db):
    """Transactional tests empty every table when they end, the risk rules a migration seeded
    included: a browser test that routes declarations seeds them again."""
    from django.apps import apps

    from customs.models import RiskRule

    if not RiskRule.objects.exists():
        importlib.import_module("customs.migrations.0004_default_risk_rules").add_rules(apps, None)
