"""The shelf for machines and browsers: the OPDS 1.2 catalog and the Atom feed against their
RELAX NG schemas and as feedparser reads them, the sitemap, and the pages in Chromium (axe)."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from lxml import etree

from tests.conftest import ROOT
from tests.test_shelf import shelf  # noqa: F401 (the built test shelf, a fixture)

SCHEMAS = Path(__file__).resolve().parent / "schemas"
ATOM = "{http://www.w3.org/2005/Atom}"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BASE = "https://example.org/briefs/"


@pytest.mark.parametrize(
    ("schema", "feed"), [("opds", "opds.xml"), ("atom", "opds.xml"), ("atom", "feed.xml")]
)
def test_the_feeds_are_valid(shelf: Path, schema: str, feed: str) -> None:  # noqa: F811
    grammar = etree.RelaxNG(etree.parse(SCHEMAS / f"{schema}.rng"))
    document = etree.parse(shelf / "site" / feed)
    assert grammar.validate(document), grammar.error_log
    # atom.rnc's Schematron rules, which RELAX NG does not check: authors and an alternate link.
    for entry in document.getroot().iter(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}author/{ATOM}name").text
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None


def test_the_opds_catalog_offers_each_epub_and_pdf(shelf: Path) -> None:  # noqa: F811
    feed = feedparser.parse((shelf / "site" / "opds.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Test Policy Briefs"
    assert feed.feed.author == "Test Policy Institute"
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        "Belarus – NATO Cooperation",
        "Беларусь и НАТО: справка для полки",
        "Shelf demo",
    ]
    russian = feed.entries[1]
    assert russian.id == "urn:uuid:2b7c1e9a-5d4f-4c3b-9a1e-7f6d5c4b3a21"
    assert russian.author == "Республика Беларусь"
    assert russian.dcterms_language == "ru"  # dc:language in the DC terms namespace OPDS uses
    assert russian.updated == "2026-11-30T00:00:00Z"
    links = {(link.rel, link.type): link.href for link in russian.links}
    acquire = "http://opds-spec.org/acquisition/open-access"
    assert links[(acquire, "application/epub+zip")] == BASE + "brief-ru.epub"
    assert links[(acquire, "application/pdf")] == BASE + "brief-ru.pdf"
    assert links[("http://opds-spec.org/image", "image/jpeg")] == BASE + "site/covers/brief-ru.jpg"
    thumbnail = links[("http://opds-spec.org/image/thumbnail", "image/jpeg")]
    assert thumbnail == BASE + "site/covers/brief-ru.thumb.jpg"
    assert links[("alternate", "text/html")] == BASE + "brief-ru/index.html"
    root = etree.parse(shelf / "site" / "opds.xml").getroot()
    issued = root.findall(f"{ATOM}entry/{{http://purl.org/dc/terms/}}issued")
    assert [element.text for element in issued] == ["2026-11-30", "2026-11-30", "2025-06-01"]


def test_the_feed_lists_every_edition_newest_first(shelf: Path) -> None:  # noqa: F811
    feed = feedparser.parse((shelf / "site" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    editions = [(entry.title, entry.updated[:10]) for entry in feed.entries]
    assert editions[-2:] == [("Shelf demo", "2025-06-01"), ("Shelf demo", "2025-01-15")]
    newest_demo = feed.entries[-2]
    related = [link.href for link in newest_demo.links if link.rel == "related"]
    assert related == [BASE + "second/index.html#changes"]
    assert feed.feed.updated == "2026-11-30T00:00:00Z"  # an edition's date, not the clock's


def test_the_sitemap_names_the_pages_with_their_dates(shelf: Path) -> None:  # noqa: F811
    root = etree.parse(shelf / "site" / "sitemap.xml").getroot()
    space = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urls = {url.findtext(f"{space}loc"): url.findtext(f"{space}lastmod") for url in root}
    assert urls[BASE + "site/index.html"] == "2026-11-30"
    assert urls[BASE + "site/ru.html"] == "2026-11-30"
    assert urls[BASE + "second/index.html"] == "2025-06-01"
    assert urls[BASE + "first/index.html"] == "2025-01-15"
    assert BASE + "brief-fr/index.html" not in urls


@pytest.mark.parametrize("name", ["index.html", "ru.html"])
def test_the_pages_pass_axe_in_chromium_loading_only_their_files(
    shelf: Path,  # noqa: F811
    name: str,
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto((shelf / "site" / name).as_uri())
            assert all(request.startswith("file://") for request in requests), requests
            images = page.evaluate("[...document.images].map(i => i.naturalWidth)")
            assert images and all(width == 240 for width in images)  # every thumbnail loaded
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document)")
            assert [(v["id"], v["help"], len(v["nodes"])) for v in result["violations"]] == []
            phone = browser.new_page(viewport={"width": 360, "height": 740})
            phone.goto((shelf / "site" / name).as_uri())
            assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        finally:
            browser.close()
