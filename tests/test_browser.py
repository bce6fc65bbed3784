"""One real browser against the real app: Debian's chromium, driven by Python playwright
(never `playwright install`), the app served by `streamlit run` on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import REPO

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "tests" / "artifacts"
QUESTION = "We're 3 engineers with 4 models and launch in six weeks, SageMaker or Kubernetes?"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"needs Debian's chromium at {CHROMIUM} (make browser)"
    ),
]


@contextmanager
def _page(url: str) -> Iterator[Page]:
    """A page of Debian's chromium on `url`; a screenshot of it on failure."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 2000})
        try:
            page.set_default_timeout(90_000)
            page.goto(url)
            yield page
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def _settle(page: Page) -> None:
    """Wait until the app's script has finished its run: a widget touched while a rerun is
    under way may be redrawn by that run and lose what was typed into it."""
    page.wait_for_timeout(300)  # the rerun a widget sends takes a moment to start
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for()


def test_browser_asks_and_sees_the_cited_answer_and_the_cost_chart(served_app: str) -> None:
    with _page(served_app) as page:
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill(QUESTION)
        box.press("Enter")
        page.get_by_text("Decision: a managed platform throughout").first.wait_for()
        sources = page.get_by_text("Sources (", exact=False).first
        sources.wait_for()
        sources.click()
        page.get_by_text("relevance", exact=False).first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

        page.get_by_text("Decide", exact=True).first.click()
        page.get_by_role("heading", name="Decide").wait_for()
        page.get_by_text("Cost comparison", exact=True).click()
        estimate = page.get_by_role("button", name="Estimate")
        estimate.wait_for(state="visible")
        estimate.click()
        page.get_by_text("Monthly cost by platform").wait_for()
        page.locator("[data-testid='stVegaLiteChart']").first.wait_for()
        page.wait_for_timeout(1500)  # let the charts draw
        page.screenshot(path=str(ARTIFACTS / "decide.png"), full_page=True)
    assert (ARTIFACTS / "chat.png").stat().st_size > 10_000
    assert (ARTIFACTS / "decide.png").stat().st_size > 10_000


def test_browser_mock_interview_counts_down_and_charts_progress(served_app: str) -> None:
    """The countdown runs in the page (it reaches "Time is up" with no rerun), and the
    answer shows in the Progress tab's chart of score over time."""
    with _page(served_app) as page:
        page.get_by_text("Interview", exact=True).first.click()
        page.get_by_role("heading", name="Interview practice").wait_for()
        _settle(page)
        name = page.get_by_label("Your name (whose practice history this is)")
        name.fill("browser-user")
        name.press("Enter")
        _settle(page)
        page.get_by_text("Mock interview", exact=True).first.click()
        limit = page.get_by_label("Seconds per answer (0: no limit)")
        limit.fill("10")
        limit.press("Tab")
        _settle(page)
        page.get_by_role("button", name="Start").click()
        page.get_by_text("Question 1 of", exact=False).first.wait_for()
        timer = page.frame_locator("iframe").first.get_by_role("timer")
        timer.get_by_text("Time left: 0:", exact=False).wait_for()
        first = timer.inner_text()
        page.wait_for_timeout(2500)
        assert timer.inner_text() != first, "the countdown does not move"
        timer.get_by_text("Time is up", exact=False).wait_for(timeout=20_000)
        page.screenshot(path=str(ARTIFACTS / "interview-countdown.png"), full_page=True)
        page.get_by_label("Your answer").fill(
            "Managed for a small team, because nobody has to run a cluster."
        )
        page.get_by_role("button", name="Submit answer").click()
        page.get_by_text("Over the time limit", exact=False).first.wait_for()
        page.get_by_role("tab", name="Progress").click()
        page.get_by_text("Progress of browser-user").wait_for()
        page.locator("[data-testid='stVegaLiteChart']").first.wait_for()
        page.wait_for_timeout(1500)  # let the chart draw
        page.screenshot(path=str(ARTIFACTS / "interview-progress.png"), full_page=True)
    assert (ARTIFACTS / "interview-progress.png").stat().st_size > 10_000
