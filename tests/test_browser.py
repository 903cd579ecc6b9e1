"""The pages in a real Chromium (Debian's, driven by Playwright): what a person sees."""

import pytest

from tests.browser import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_the_director_signs_in_and_sees_who_is_on_duty_on_line_2(site, open_page, tmp_path):
    page = open_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site}/")
    assert page.url.startswith(f"{site}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "vi"
    sign_in(page, site, "director")

    card = page.locator("[data-line='2']")
    assert card.count() == 1
    assert "Phản ánh về công tác phòng, chống dịch" in card.inner_text()
    assert page.locator("[data-line='1']").count() == 0
    assert card.locator(".agent-chip").count() >= 1
    screenshot(page, "dashboard", tmp_path)

    card.locator("a").first.click()
    page.wait_for_url("**/lines/*/")
    assert page.locator("table.shift-table tbody tr").count() >= 28  # two shifts a day, 14+ days


def test_the_site_switches_to_english(site, open_page):
    page = open_page()
    sign_in(page, site, "operator")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="On duty now").is_visible()
    assert page.locator("[data-line]").count() == 3


def test_the_agent_sees_their_shifts_on_a_phone(site, open_page, tmp_path):
    page = open_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sign_in(page, site, "agent")
    shifts = page.locator("[data-assignment]")
    assert shifts.count() >= 1
    assert "Nguyễn Thị Hồng Nhung" in page.content()
    # The page fits the phone's width: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "my-shifts", tmp_path)


def test_the_main_pages_and_the_api_docs_run_under_the_content_security_policy(site, open_page):
    """Chromium reports every script, style or frame the policy refuses on the console."""
    page = open_page(viewport={"width": 1280, "height": 900})
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.on("pageerror", lambda error: refused.append(str(error)))
    sign_in(page, site, "operator")
    line = page.locator("[data-line='2'] a").first.get_attribute("href")
    pk = line.strip("/").split("/")[-1]
    for path in [
        "/",
        line,
        f"/lines/{pk}/roster/",
        f"/lines/{pk}/roster/print/",
        "/agents/",
        "/leave/",
        "/calls/",
        "/reports/calls/",
        "/reports/hours/",
        "/staffing/calculator/",
        "/notifications/",
        "/board/0290.1022",
    ]:
        page.goto(f"{site}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{site}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    assert page.locator(".swagger-ui .opblock").count() >= 30
    assert refused == []
