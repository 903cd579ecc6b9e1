"""Helpers for the browser tests (Debian's Chromium, driven by Playwright)."""

import os
from pathlib import Path

from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
# Set TRUCBAN_SCREENSHOTS=docs/screenshots to refresh the README's pictures.
SCREENSHOTS = os.environ.get("TRUCBAN_SCREENSHOTS")


def sign_in(page, site, username):
    page.goto(f"{site}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{site}/")


def screenshot(page, name, tmp_path):
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
