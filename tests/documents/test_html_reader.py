"""The HTML reader keeps the main content and leaves page chrome out; generated pages and the two real ones."""

from pathlib import Path

import pytest

from indexer.documents.readers import read_html
from indexer.documents.titles import choose_title

REAL = Path("/work/shared/realdocs/docs")

PAGE = """<!doctype html><html><head><title>Shelter network | Ministry of Labour</title></head><body>
<header><a href="/">Ministry home</a> bannertext</header>
<nav><ul><li>Home</li><li>navtext</li></ul></nav>
<div class="breadcrumb">Home &gt; crumbtext</div>
<main>
  <header><h1>Shelter network</h1><p>Published 2020</p></header>
  <a class="mw-jump-link" href="#x">Jump to content</a>
  <p>The network hosts victims in three provinces.</p>
  <div class="sidebar">sidetext</div>
  <aside>asidetext</aside>
  <h2>Funding</h2><p>The national budget pays.</p>
  <div role="navigation">Previous chapter navroletext</div>
  <div class="navbox"><table><tr><td>navboxtext</td></tr></table></div>
  <div hidden>hiddentext</div>
</main>
<div class="cookie-banner">We use cookies cookietext</div>
<footer><p>Contact us footertext</p></footer>
</body></html>"""


def test_only_the_main_content_without_chrome() -> None:
    read = read_html(PAGE.encode())
    text = read.structure.text
    assert text == (
        "Shelter network\n\nPublished 2020\n\nThe network hosts victims in three provinces.\n\n"
        "Funding\n\nThe national budget pays."
    )
    assert read.titles == ("Shelter network",)


def test_the_largest_article_when_there_is_no_main() -> None:
    page = (
        "<title>News</title><body><header>pagehead</header><article><h1>Short</h1><p>Teaser.</p></article>"
        "<article><header><h1>Long story</h1></header><p>A much longer article body about migration.</p></article>"
        "<footer>pagefoot</footer></body>"
    )
    read = read_html(page.encode())
    assert read.structure.text == "Long story\n\nA much longer article body about migration."
    assert read.titles == ("News", "Long story")


def test_without_main_or_article_everything_but_chrome() -> None:
    page = "<body><header>pagehead</header><section><header><h2>Kept</h2></header><p>Body.</p></section></body>"
    assert read_html(page.encode()).structure.text == "Kept\n\nBody."


@pytest.mark.parametrize(
    ("title", "h1", "expected"),
    [
        ("Duck - Wikipedia", "Duck", ("Duck",)),
        ("Chapter 4 Data | Handbook | Site", "Chapter 4 Data", ("Chapter 4 Data",)),
        ("Annual report \u2013 Ministry", "Annual report", ("Annual report",)),
        ("Ministry - Annual report", "Annual report", ("Ministry - Annual report", "Annual report")),
        ("Work - life balance", "Other heading", ("Work - life balance", "Other heading")),
    ],
)
def test_a_site_suffix_is_stripped_when_the_h1_is_the_part_before_it(
    title: str, h1: str, expected: tuple[str, ...]
) -> None:
    page = f"<title>{title}</title><body><h1>{h1}</h1><p>Text.</p></body>"
    assert read_html(page.encode()).titles == expected


def test_an_unclosed_list_item_with_a_chrome_class_does_not_swallow_the_page() -> None:
    page = "<main><ul><li class='toc'>one<li>two</ul><p>After the list.</p></main>"
    assert "After the list." in read_html(page.encode()).structure.text


@pytest.mark.skipif(not REAL.is_dir(), reason="the real documents are not here")
@pytest.mark.parametrize(
    ("name", "title", "first", "last_words"),
    [
        ("wiki_duck.html", "Duck", "Duck", "Ducks at a Distance"),
        ("dime-acquisition.html", "Chapter 4 Acquiring development data", "Chapter 4 Acquiring development data", ""),
    ],
)
def test_real_pages(name: str, title: str, first: str, last_words: str) -> None:
    read = read_html((REAL / name).read_bytes())
    assert choose_title(read.titles, name) == title
    text = read.structure.text
    assert text.split("\n\n")[0] == first  # no navigation before the content
    assert last_words in text.split("\n\n")[-1]
    for chrome in ("Jump to content", "Privacy policy", "Retrieved from", "Categories:", "Main menu", "Toggle"):
        assert chrome not in text
    assert "Development Research in Practice The DIME" not in text  # the book's navigation header
