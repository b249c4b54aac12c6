"""The search box (`/widget.js`) in real Chromium against a real `askreport serve` process.

One server (the report plus a document full of HTML and script) allows one other origin;
host pages on an allowed and a refused origin embed the box with one script tag.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fpdf import FPDF

from indexer import SentenceTransformerEmbedder, build_index
from tests.support.browser import launched_chromium
from tests.support.data import CORPUS, REPO
from tests.support.processes import free_port, running, static_server

pytestmark = pytest.mark.slow

XSS_TEXT = """# Hostile <img src=x onerror="window.__pwned='heading'"> notes

Quarterly pwned-test memo about the onerror image <img src=x onerror="window.__pwned='img'"> and the
inline <script>window.__pwned='script'</script> block that a careless export left in the text.

See also <a href="javascript:window.__pwned='link'">the javascript: link</a> for the pwned-test memo.
"""
XSS_QUESTION = "pwned-test memo onerror image inline script"
HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Team page</title>
<style>/* a host page's CSS must not reach inside the box */
input, li, mark {{ display: none !important; }} * {{ color: red !important; font-size: 40px !important; }}</style>
<script src="{api}/widget.js" defer></script></head>
<body><h1>Team page on another origin</h1><askreport-search k="3"></askreport-search></body></html>
"""


KILNS = "Labour inspectors visited forty brick kilns and found debt bondage in nine of them."


def _numbered_report() -> bytes:
    """Three pages printed 7, 8 and 9 in their footers, a section each; the kilns are on page 9."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    texts = (
        ("Orchards", "Seasonal workers in the orchards of the valley are paid by the crate they pick."),
        ("Recruitment", "Recruitment agencies charged migrants fees of up to three months of their wages."),
        ("Brick kilns", KILNS),
    )
    for number, (heading, text) in enumerate(texts, start=7):
        pdf.add_page()
        pdf.set_font("Helvetica", style="B", size=16)
        pdf.set_xy(50, 80)
        pdf.cell(495, 20, heading)
        pdf.set_font("Helvetica", size=10)
        pdf.set_xy(50, 120)
        pdf.multi_cell(495, 13, " ".join([text] * 4))
        pdf.set_xy(50, 800)
        pdf.cell(495, 10, str(number), align="C")
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Iterator[dict[str, str]]:
    """The API server plus two host-page servers: one allowed by CORS, one not."""
    root = tmp_path_factory.mktemp("widget")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "hostile-notes.md").write_text(XSS_TEXT, encoding="utf-8")
    (corpus / "kilns.pdf").write_bytes(_numbered_report())
    build_index(corpus, root / "index", embedder)
    api_port, allowed_port, refused_port = free_port(), free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    pages = root / "pages"
    pages.mkdir()
    (pages / "host.html").write_text(HOST_PAGE.format(api=api), encoding="utf-8")
    env = {
        **os.environ,
        "ASKREPORT_CORPUS_DIR": str(corpus),
        "ASKREPORT_CORS_ORIGINS": f"http://127.0.0.1:{allowed_port}",
    }
    serve = [sys.executable, "-m", "server", "serve", "--port", str(api_port), "--index", str(root / "index")]
    with (
        running(serve, env, f"{api}/api/health"),
        running(static_server(pages, allowed_port), env, f"http://127.0.0.1:{allowed_port}/host.html"),
        running(static_server(pages, refused_port), env, f"http://127.0.0.1:{refused_port}/host.html"),
    ):
        yield {
            "corpus": str(corpus),
            "api": api,
            "allowed": f"http://127.0.0.1:{allowed_port}/host.html",
            "refused": f"http://127.0.0.1:{refused_port}/host.html",
        }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as b:
        yield b


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


def box(page: Any) -> Any:
    return page.locator("askreport-search input")


def status(page: Any) -> str:
    return str(page.locator("askreport-search .status").inner_text())


def options(page: Any) -> Any:
    return page.locator("askreport-search [role=option]")


def ask(page: Any, question: str, enter: bool = True) -> None:
    """Type a question (as a person would, key by key) and wait for its answer."""
    box(page).fill("")
    box(page).press_sequentially(question, delay=5)
    if enter:
        box(page).press("Enter")
    page.wait_for_function(
        "q => { const s = document.querySelector('askreport-search').shadowRoot.querySelector('.status');"
        " return s.textContent && !s.textContent.startsWith('Searching'); }",
        arg=question,
    )


def test_typing_shows_passages_with_the_best_sentence_marked(page: Any, site: dict[str, str]) -> None:
    page.goto(site["api"] + "/")
    box(page).click()
    box(page).press_sequentially("How much of Kyrgyzstan's GDP comes from remittances?", delay=5)
    options(page).first.locator("mark").wait_for()  # search as you type: no Enter pressed
    assert options(page).count() == 5
    first = options(page).first
    assert "30.4%" in first.locator("mark").inner_text()
    assert "Regional migration trends and challenges" in first.locator(".where").inner_text()
    assert box(page).get_attribute("aria-expanded") == "true"
    assert page.locator("askreport-search ul").get_attribute("role") == "listbox"


def test_arrow_keys_and_enter_open_the_cited_span(page: Any, site: dict[str, str]) -> None:
    page.goto(site["api"] + "/")
    ask(page, "How much of Kyrgyzstan's GDP comes from remittances?", enter=False)
    box(page).press("ArrowDown")
    box(page).press("ArrowDown")
    second = options(page).nth(1)
    assert second.get_attribute("aria-selected") == "true"
    assert box(page).get_attribute("aria-activedescendant") == second.get_attribute("id")
    box(page).press("ArrowUp")
    assert options(page).first.get_attribute("aria-selected") == "true"
    box(page).press("Enter")
    page.wait_for_url(re.compile(r"/documents/[^?]+\?start=\d+&end=\d+"))
    cited = page.locator("mark#cited")
    assert "30.4%" in " ".join(page.locator("mark").all_inner_texts())
    assert cited.is_visible()
    top = cited.bounding_box()["y"]
    assert 0 <= top < 800, "the cited span is scrolled into view"


def test_a_pdf_passage_shows_its_printed_page_and_opens_the_original_there(page: Any, site: dict[str, str]) -> None:
    page.goto(site["api"] + "/")
    ask(page, "How many brick kilns held workers in debt bondage?")
    first = options(page).first
    assert "Brick kilns" in first.locator(".where").inner_text() and "p. 9" in first.locator(".where").inner_text()
    box(page).press("ArrowDown")
    box(page).press("Enter")
    page.wait_for_url(re.compile(r"/documents/kilns\.pdf\?start=\d+&end=\d+"))
    assert page.locator("#page-3").inner_text() == "p. 9"  # the label beside the text where page 3 starts
    link = page.locator("a", has_text="Open the original file")
    assert link.get_attribute("href") == "/documents/kilns.pdf/file#page=3"
    original = page.request.get(site["api"] + "/documents/kilns.pdf/file")
    assert original.status == 200 and original.headers["content-type"] == "application/pdf"
    assert original.body() == (Path(site["corpus"]) / "kilns.pdf").read_bytes()


def test_escape_closes_and_slash_focuses_from_anywhere(page: Any, site: dict[str, str]) -> None:
    page.goto(site["api"] + "/")
    ask(page, "Which topics did the Kyrgyz information campaign cover?", enter=False)
    box(page).press("Escape")
    assert box(page).get_attribute("aria-expanded") == "false"
    assert page.locator("askreport-search ul").is_hidden()
    page.locator("h1").click()  # focus leaves the box
    assert not box(page).evaluate("el => el.getRootNode().activeElement === el")
    page.keyboard.press("/")
    assert box(page).evaluate("el => el.getRootNode().activeElement === el")
    assert box(page).input_value() == "Which topics did the Kyrgyz information campaign cover?"  # "/" not typed


def test_follow_up_uses_the_conversation_and_can_start_afresh(page: Any, site: dict[str, str]) -> None:
    sent: list[dict[str, Any]] = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/ask") else None)
    page.goto(site["api"] + "/")
    ask(page, "Did MIEUX's regional work in South East Asia also seek to strengthen migrants' rights?")
    assert "searched for" not in status(page)
    reset = page.locator("askreport-search button.reset")
    assert reset.is_visible()
    ask(page, "When was it carried out?")
    shown = status(page)
    assert "searched for: “When was it carried out? Did MIEUX's regional work" in shown
    assert "between 2010 and 2012" in " ".join(options(page).all_inner_texts())
    committed = [b for b in sent if "history" not in b]
    assert committed[-1]["conversation_id"] and "conversation_id" not in committed[0]
    reset.click()
    assert reset.is_hidden() and "New conversation" in status(page)
    ask(page, "When was it carried out?")
    assert "searched for" not in status(page)  # no earlier turns any more


def test_a_stale_answer_never_replaces_a_newer_one(page: Any, site: dict[str, str]) -> None:
    # the first question's answer is held back in the page until after the second one's has arrived
    page.add_init_script(
        """const realFetch = window.fetch;
        window.fetch = async (url, options) => {
          const response = await realFetch(url, options);
          if (options && String(options.body).includes("remittances")) await new Promise(r => setTimeout(r, 1500));
          return response;
        };"""
    )
    page.goto(site["api"] + "/")
    box(page).fill("How much of Kyrgyzstan's GDP comes from remittances?")
    box(page).press("Enter")
    page.wait_for_timeout(200)
    box(page).fill("What are LGUs, as mentioned in the Philippine coordination work?")
    box(page).press("Enter")
    options(page).first.wait_for()
    page.wait_for_timeout(2000)  # the held-back answer has arrived by now
    assert "Local Government Units" in options(page).first.inner_text()
    assert "30.4%" not in " ".join(options(page).all_inner_texts())


def test_not_found_says_so_and_still_lists_passages(page: Any, site: dict[str, str]) -> None:
    page.goto(site["api"] + "/")
    ask(page, "Who won the football world cup final?")
    assert status(page).startswith("The documents do not seem to answer this")
    assert options(page).count() == 5


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status": 503, "json": {"detail": "no index"}}, "not ready"),
        ({"status": 429, "json": {"detail": "slow down"}, "headers": {"Retry-After": "7"}}, "try again in 7 s"),
        ({"status": 500, "body": "Traceback (most recent call last): ..."}, "The search failed (HTTP 500)"),
    ],
)
def test_errors_show_a_short_human_message(
    page: Any, site: dict[str, str], answer: dict[str, Any], message: str
) -> None:
    page.route("**/api/ask", lambda route: route.fulfill(**answer))
    page.goto(site["api"] + "/")
    ask(page, "remittances")
    assert message in status(page) and "Traceback" not in status(page)
    assert options(page).count() == 0


def test_server_down_is_a_message_not_a_blank_box(page: Any, site: dict[str, str]) -> None:
    page.goto(site["api"] + "/")
    page.locator("askreport-search").evaluate(f"el => el.setAttribute('api', 'http://127.0.0.1:{free_port()}')")
    ask(page, "remittances")
    assert "cannot be reached" in status(page)


def test_host_page_on_an_allowed_origin_embeds_the_box(page: Any, site: dict[str, str]) -> None:
    page.goto(site["allowed"])
    ask(page, "How much of Kyrgyzstan's GDP comes from remittances?")
    assert options(page).count() == 3  # the element's k attribute
    assert box(page).is_visible(), "the host page's CSS hides inputs, but not inside the shadow root"
    assert box(page).evaluate("el => getComputedStyle(el).fontSize") != "40px"
    box(page).press("ArrowDown")
    box(page).press("Enter")
    page.wait_for_url(site["api"] + "/documents/**")  # the source view is on the API's origin


def test_host_page_on_a_refused_origin_fails_visibly(page: Any, site: dict[str, str]) -> None:
    page.goto(site["refused"])
    ask(page, "remittances")
    assert "cannot be reached" in status(page)
    refused_origin = site["refused"].rsplit("/", 1)[0]
    preflight = httpx.options(
        site["api"] + "/api/ask",
        headers={"Origin": refused_origin, "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_document_text_with_markup_shows_literally_and_runs_nothing(page: Any, site: dict[str, str]) -> None:
    page.goto(site["api"] + "/")
    ask(page, XSS_QUESTION)
    hostile = options(page).filter(has_text="pwned-test memo").first
    text = hostile.inner_text()
    assert "<img src=x onerror=" in text or "<script>" in text or "javascript:" in text
    assert (
        page.evaluate(
            "() => document.querySelector('askreport-search').shadowRoot.querySelectorAll('img, script, a').length"
        )
        == 0
    )
    hostile.click()  # the source view of the hostile document
    page.wait_for_url("**/documents/hostile-notes**")
    body = page.locator(".doc").inner_text()
    assert "<script>window.__pwned='script'</script>" in body and "javascript:window.__pwned" in body
    assert page.locator(".doc img, .doc script, .doc a").count() == 0
    assert page.evaluate("() => window.__pwned") is None


def test_box_fits_a_320_pixel_wide_screen(browser: Any, site: dict[str, str]) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(site["api"] + "/")
        ask(page, "How much of Kyrgyzstan's GDP comes from remittances?", enter=False)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"the page scrolls sideways at 320 px ({width} px wide)"
        assert page.locator("askreport-search").bounding_box()["width"] <= 320
    finally:
        context.close()


def test_screenshot_for_the_docs(page: Any, site: dict[str, str], tmp_path: Path) -> None:
    """docs/embedding.md shows this picture; ASKREPORT_UPDATE_SCREENSHOT=1 rewrites it."""
    page.set_viewport_size({"width": 900, "height": 720})
    page.goto(site["api"] + "/")
    ask(page, "How much of Kyrgyzstan's GDP comes from remittances?", enter=False)
    box(page).press("ArrowDown")
    target = REPO / "docs" / "img" / "widget.png"
    if os.environ.get("ASKREPORT_UPDATE_SCREENSHOT") != "1":
        target = tmp_path / "widget.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 20_000
