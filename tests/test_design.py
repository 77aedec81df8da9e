"""The default design on content unlike the first brief (issue 16): the key figures' grid, checked
on the laid-out pages (WeasyPrint's boxes), and the limits that keep a card readable."""

from __future__ import annotations

import itertools
import re
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CONTENT, FIXTURES, ROOT, dump_yaml, problems_of
from tests.test_hyphenation import laid_out

MINIMAL = FIXTURES / "minimal.yaml"


def brief_with_figures(folder: Path, figures: list[dict]) -> Path:
    brief = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    brief["key_figures"] = figures
    path = folder / "x.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    return path


def boxes_of(document: Any, css_class: str) -> list[Any]:
    """The boxes of the elements with a class, in document order (block boxes, not their
    line boxes)."""
    found = []
    for page in document.pages:
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            classes = (element.get("class") or "").split() if element is not None else []
            own = css_class in classes and not type(box).__name__.startswith(("Line", "Text"))
            if own and (not found or found[-1].element is not element):
                found.append(box)
    return found


def rows(boxes: list[Any]) -> list[list[Any]]:
    by_top: dict[float, list[Any]] = defaultdict(list)
    for box in boxes:
        by_top[round(box.position_y)].append(box)
    return [sorted(row, key=lambda box: box.position_x) for _, row in sorted(by_top.items())]


def figures(count: int) -> list[dict]:
    # Every other card has a qualifier: the values must still line up.
    return [
        {"value": str(10 * n), "label": f"things counted, card {n}"}
        | ({"qualifier": "around"} if n % 2 else {})
        for n in range(1, count + 1)
    ]


@pytest.mark.parametrize(
    ("count", "shape"),
    [(2, [2]), (3, [3]), (4, [2, 2]), (5, [3, 2]), (6, [3, 3]), (7, [3, 2, 2]), (8, [3, 3, 2])],
)
def test_key_figures_fill_every_row_and_share_a_baseline(
    tmp_path: Path, count: int, shape: list[int]
) -> None:
    document = laid_out(brief_with_figures(tmp_path, figures(count)))
    cards = rows(boxes_of(document, "key-figure"))
    assert [len(row) for row in cards] == shape
    grid = boxes_of(document, "key-figures")[0]
    right = grid.content_box_x() + grid.width
    for row in cards:  # no empty cell: the last card of every row reaches the grid's edge
        last = row[-1]
        assert abs(last.position_x + last.margin_width() - right) < 1, [len(r) for r in cards]
    values = rows(boxes_of(document, "figure-value"))
    assert [len(row) for row in values] == shape  # each row's values on one line


def _baseline(value: Any) -> float:
    """Where the first line of a value box sits: its first glyphs' baseline."""
    text = next(box for box in value.descendants() if type(box).__name__ == "TextBox")
    return text.position_y + text.baseline


@pytest.mark.parametrize(
    "values",
    [
        ["1,250,000", "12", "6×"],
        ["300,000,000,000", "7", "12"],  # 15 characters in a third of the column
        ["€300,000,000,000", "1,250,000", "125"],
        ["143 thousand", "around 125", "4"],
        ["143 тысячи", "€2,3 млрд", "99,9 %"],
    ],
    ids=["short", "long", "currency", "words", "cyrillic"],
)
def test_values_fit_their_cards_whole_on_one_baseline(tmp_path: Path, values: list[str]) -> None:
    """Every value stays inside its card, never breaks inside a word, and the values of a row
    share a baseline whatever their length (one size for the grid, the largest that fits)."""
    cards = [
        {"value": value, "label": "things counted"} | ({"qualifier": "around"} if n else {})
        for n, value in enumerate(values)
    ]
    document = laid_out(brief_with_figures(tmp_path, cards))
    boxes = boxes_of(document, "figure-value")
    for value, box, card in zip(values, boxes, boxes_of(document, "key-figure"), strict=True):
        lines = [
            "".join(text.text for text in line.descendants() if hasattr(text, "text"))
            for line in box.children
        ]
        assert " ".join(line.strip() for line in lines) == value  # whole words on each line
        right = max(
            text.position_x + text.width
            for text in box.descendants()
            if type(text).__name__ == "TextBox"
        )
        assert right <= card.position_x + card.margin_width() + 0.5, value
    assert len({round(_baseline(box), 1) for box in boxes}) == 1, [_baseline(b) for b in boxes]


def test_a_value_no_card_holds_is_refused_at_its_line(tmp_path: Path) -> None:
    from report.errors import ContentError
    from report.render.prepared import prepare

    cards = [{"value": "W" * 16, "label": "x"}, {"value": "1", "label": "y"}] * 2 + [
        {"value": "2", "label": "z"}
    ]
    with pytest.raises(ContentError) as caught:
        prepare(brief_with_figures(tmp_path, cards))
    found = str(caught.value)
    assert found.count("wide at the smallest size") == 2  # each, at its own line
    assert re.search(
        r"x.yaml:\d+:\d+: 'W{16}' is \d+ mm wide at the smallest size of a key figure's value "
        r"\(11 pt\), wider than a card \(\d+ mm\); shorten it",
        found,
    ), found


@pytest.mark.parametrize(
    ("figure", "says"),
    [
        (
            {"value": "7", "label": " ".join(["word"] * 40)},
            "a key figure's label holds at most 140 (about 20 words); move the explanation to "
            "note:",
        ),
        (
            {"value": "more than 300,000 tonnes", "label": "x"},
            "a key figure's value holds at most 16",
        ),
    ],
)
def test_a_card_s_text_is_capped_at_its_line(tmp_path: Path, figure: dict, says: str) -> None:
    found = problems_of(brief_with_figures(tmp_path, [figure]))
    assert re.search(
        r"x.yaml:\d+:\d+: key_figures\[0\]\.\w+: is \d+ characters; " + re.escape(says), found
    ), found


# --- covers and pages that hold any length ---------------------------------------------------

LONG = FIXTURES / "long-everything.yaml"
HOSTILE_TITLES = [
    "Belarus – NATO Cooperation",
    "A" * 10 + " " + "Counterproliferationinternationalisation" * 2,  # a word wider than a line
    "Сотрудничество Республики Беларусь и Организации Североатлантического договора: "
    "история, институты, перспективы развития партнёрства в области гражданского планирования",
    (
        "The Belarus–NATO Partnership in an Age of Uncertainty: Cooperation on Civil Emergency "
        "Planning, Scientific Research, Demining and Transit, from the Partnership for Peace to "
        "the Present Day, with an Assessment of What Remains Possible Between Minsk and Brussels"
    ),
]


@pytest.mark.parametrize("cover", ["band", "full", "plain"])
@pytest.mark.parametrize("title", HOSTILE_TITLES, ids=["short", "long-word", "cyrillic", "long"])
def test_the_epub_cover_title_stays_inside_its_area(title: str, cover: str) -> None:
    import dataclasses

    from report.content.loader import load_brief
    from report.render.cover import RIGHT, cover_text, layout_cover
    from report.render.templates import Templates

    brief = load_brief(LONG)
    style = dataclasses.replace(brief.style, cover=cover)
    brief = dataclasses.replace(brief, title=title, style=style)
    templates = Templates()
    text = cover_text(brief, templates.find)
    layout = layout_cover(brief, templates.edition_line(brief), templates.cover_label(brief), text)
    left, top, _, bottom = layout.title_area
    titles = [line for line in layout.lines if line.role == "title"]
    assert titles and "".join(line.text for line in titles).replace(" ", "") == title.replace(
        " ", ""
    )
    for line in titles:
        assert top <= line.box[1] and line.box[3] <= bottom, line
        assert text(line.weight, line.size).length(line.text) <= RIGHT - left, line
    boxes = sorted(line.box for line in layout.lines)
    for upper, lower in itertools.pairwise(boxes):
        assert upper[3] <= lower[1], (upper, lower)  # no two lines overlap
    assert all(line.box[1] > layout.rule for line in layout.lines if line.role == "edition")
    head = [line for line in layout.lines if line.role in ("label", "title", "topic")]
    if cover == "band":  # the head stands in the accent block, which ends above the foot's rule
        assert all(line.box[3] <= layout.block for line in head)
        assert layout.block < layout.rule
    else:
        assert layout.block == 0


Box = tuple[float, float, float, float, str, int]  # left, bottom, right, top, character, index


def _char_boxes(path: Path) -> list[tuple[tuple[float, float], list[Box], str]]:
    """Each page's size and the boxes of its visible characters (pypdfium2), with each
    character's place in the page's text."""
    import pypdfium2 as pdfium

    pages = []
    document = pdfium.PdfDocument(path)
    try:
        for page in document:
            text = page.get_textpage()
            chars = []
            for index in range(text.count_chars()):
                char = text.get_text_range(index, 1)
                box = text.get_charbox(index, loose=False)
                # A running head cut with an ellipsis keeps its hidden characters in the text
                # layer, clipped, with boxes of no height: they draw nothing.
                if char.strip() and box[3] - box[1] > 2:
                    chars.append((*box, char, index))
            pages.append((page.get_size(), chars, text.get_text_range()))
    finally:
        document.close()
    return pages


MM = 72 / 25.4
LEFT_MARGIN, RIGHT_MARGIN = 22 * MM, 20 * MM  # print.css @page
TEXT_COLUMN = LEFT_MARGIN + 40 * MM  # the grid: the margin column, then the text column
TOP_MARGIN, BOTTOM_MARGIN = 24 * MM, 26 * MM  # print.css @page: the running heads are outside
GUTTER = 3 * MM  # at least this between the margin column's text and the text column
EVERY_FIXTURE = [
    ROOT / "content" / "belarus-nato.yaml",
    LONG,
    FIXTURES / "brief-ru.yaml",
    FIXTURES / "data-report.yaml",
    FIXTURES / "data-report-ru.yaml",
    FIXTURES / "edition-demo.yaml",
    FIXTURES / "minimal.yaml",
    FIXTURES / "cited" / "brief.yaml",
    "long-everything-band",  # the hostile lengths on the default cover
    "many-authors",  # nine authors at the caps of their fields, under a 300-character title
]


def _authors(count: int) -> list[dict[str, str]]:
    """Authors at the caps of their fields (name 120, role 60, affiliation 200 characters)."""
    affiliation = (
        "Committee on Defence and Security of the NATO Parliamentary Assembly, "
        "Національний інститут стратегічних досліджень " * 3
    )[:200]
    return [
        {
            "name": (f"Anna Kowalska-Wiśniewska {number} " + "Nowak " * 20)[:120].strip(),
            "role": "Rapporteur for the Sub-Committee on Transatlantic Relations",
            "affiliation": affiliation,
        }
        for number in range(1, count + 1)
    ]


@pytest.mark.parametrize("count", [3, 9])
@pytest.mark.parametrize("cover", ["band", "full", "plain"])
def test_the_cover_s_foot_stays_clear_of_its_title(tmp_path: Path, cover: str, count: int) -> None:
    """Under the longest title, authors at their caps (with affiliations up to three, names
    only past that, four at most) leave the foot clear of the title's block."""
    data = yaml.safe_load(LONG.read_text(encoding="utf-8"))
    data["style"]["cover"] = cover
    data["title"] = (data["title"] + " " + "Partnership " * 30)[:300].strip()
    data["authors"] = _authors(count)
    shutil.copytree(FIXTURES / "images", tmp_path / "images")
    source = tmp_path / "cover.yaml"
    source.write_text(dump_yaml(data), encoding="utf-8")
    document = laid_out(source)
    head, foot = boxes_of(document, "cover-head")[0], boxes_of(document, "cover-foot")[0]
    assert head.position_y + head.margin_height() + 5 * MM <= foot.position_y
    page = document.pages[0]
    assert foot.position_y + foot.margin_height() <= page.height  # inside the page
    shown = "".join(text.text for text in foot.descendants() if hasattr(text, "text"))
    assert ("Національний" in shown) == (count <= 3)
    assert shown.count("Anna Kowalska") == min(count, 4)


def _fixture(tmp_path: Path, path: Path | str) -> Path:
    if isinstance(path, Path):
        return path
    data = yaml.safe_load(LONG.read_text(encoding="utf-8"))
    data["style"]["cover"] = "band"
    if path == "many-authors":
        data["title"] = (data["title"] + " " + "Partnership " * 30)[:300].strip()
        data["authors"] = _authors(9)
    shutil.copytree(FIXTURES / "images", tmp_path / "images")  # the logo, beside the copy
    copy = tmp_path / f"{path}.yaml"
    copy.write_text(dump_yaml(data), encoding="utf-8")
    return copy


@pytest.mark.parametrize("path", EVERY_FIXTURE, ids=lambda path: getattr(path, "stem", path))
def test_no_text_overlaps_other_text_or_leaves_its_page_or_column(
    tmp_path: Path, path: Path | str
) -> None:
    from report.pipeline import build

    source = _fixture(tmp_path, path)
    build([source], tmp_path, ["pdf"])
    for number, ((width, height), chars, words) in enumerate(
        _char_boxes(tmp_path / f"{source.stem}.pdf"), 1
    ):
        # Inside the page, and past the cover inside the page's margins, where the margin column
        # and the text column are.
        inner = (LEFT_MARGIN - 1, width - RIGHT_MARGIN + 1) if number > 1 else (0, width)
        for left, bottom, right, top, char, _ in chars:
            assert inner[0] <= left and right <= inner[1], (number, char, left, right)
            assert bottom >= 0 and top <= height, (number, char)
        if number > 1:
            _assert_in_columns(number, _between_the_margins(chars, height), words)
        _assert_no_overlap(number, chars, words)


def _between_the_margins(chars: list[Box], height: float) -> list[Box]:
    """The characters of the page's text, without its running heads and feet."""
    return [box for box in chars if box[1] > BOTTOM_MARGIN and box[3] < height - TOP_MARGIN]


def _assert_in_columns(number: int, chars: list[Box], words: str) -> None:
    """A run of text that starts inside the margin column (a timeline date, a paragraph's
    number; not a title or a wide table, which start at the margin's edge) ends a gutter before
    the text column: nothing spills from one column into the other, or touches it."""
    for run in _runs(chars, words):
        left, right = min(box[0] for box in run), max(box[2] for box in run)
        if LEFT_MARGIN + 1.5 * MM < left < TEXT_COLUMN - 1:  # past a glyph's side bearing
            text = "".join(box[4] for box in run)
            assert right <= TEXT_COLUMN - GUTTER, (number, text, left / MM, right / MM)


def _runs(chars: list[Box], words: str) -> list[list[Box]]:
    """The page's characters in reading order, cut into runs at line ends and at gaps wider
    than 2.5 mm (between columns)."""
    runs: list[list[Box]] = []
    for box in sorted(chars, key=lambda box: box[5]):
        previous = runs[-1][-1] if runs else None
        if (
            previous is None
            or "\n" in words[previous[5] + 1 : box[5]]
            or "\r" in words[previous[5] + 1 : box[5]]
            or box[0] - previous[2] > 2.5 * MM
            or box[0] < previous[0] - 1
        ):
            runs.append([])
        runs[-1].append(box)
    return runs


def _assert_no_overlap(number: int, chars: list[Box], words: str) -> None:
    """Characters must not share ink, but within a word (kerning, ligatures): sorted by left
    edge, each box is compared with those that start before it ends, and an overlap counts past
    a third of the smaller box."""
    ordered = sorted(chars)
    for index, (left, bottom, right, top, char, place) in enumerate(ordered):
        for other in ordered[index + 1 :]:
            if other[0] >= right:
                break
            if not words[min(place, other[5]) : max(place, other[5]) + 1].split()[1:]:
                continue  # the same word: a ligature or a kerned pair
            across = min(right, other[2]) - max(left, other[0])
            up = min(top, other[3]) - max(bottom, other[1])
            if across <= 0 or up <= 0:
                continue
            smaller = min(
                (right - left) * (top - bottom), (other[2] - other[0]) * (other[3] - other[1])
            )
            assert across * up <= smaller / 3, (number, char, other[4])


def test_the_briefs_pages_run_full_to_the_last(tmp_path: Path) -> None:
    """No forced break and no kept-together block leaves a page of the brief's text short: every
    page between At a glance and the last ends in its lowest sixth (they ended 15–30 % empty
    before short sections)."""
    from report.pipeline import build

    source = ROOT / "content" / "belarus-nato.yaml"
    build([source], tmp_path, ["pdf"])
    pages = _char_boxes(tmp_path / "belarus-nato.pdf")
    filled = []
    for (_, height), chars, _ in pages[2:-1]:
        lowest = min(box[1] for box in _between_the_margins(chars, height))
        filled.append((height - TOP_MARGIN - lowest) / (height - TOP_MARGIN - BOTTOM_MARGIN))
    print("how far down each page of text runs:", [f"{share:.0%}" for share in filled])
    assert len(filled) >= 3 and min(filled) >= 5 / 6, filled


# --- page breaks ------------------------------------------------------------------------------

KEPT_WHOLE = {"callout", "quote", "box", "key-figure", "timeline-entry", "figure-block"}


def _callouts_at_every_depth(tmp_path: Path, noted: bool = False) -> Path:
    """A brief whose four-line callouts come after 1, 2, … 14 paragraphs, so that some of them
    reach the foot of a page wherever the pages break; `noted`: each calls a note."""
    data = yaml.safe_load(CONTENT.read_text(encoding="utf-8"))
    text = data["sections"][1]["blocks"][0]["paragraph"]
    callout = " ".join(
        ["Belarus believes that there is always an alternative to the politicized"] * 3
    )
    data["sections"] = [
        {
            "id": f"part-{count}",
            "title": f"Part {count}",
            "blocks": [{"paragraph": text}] * count
            + [{"callout": callout + (f"[^n{count}]" if noted else "")}],
        }
        for count in range(1, 15)
    ]
    if noted:
        data["notes"] = {f"n{count}": f"Note on part {count}." for count in range(1, 15)}
    path = tmp_path / "callouts.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    return path


def _pages_of(document: Any) -> dict[Any, set[int]]:
    """The pages each element's boxes are on."""
    pages: dict[Any, set[int]] = defaultdict(set)
    for number, page in enumerate(document.pages, 1):
        for box in page._page_box.descendants():
            if box.element is not None:
                pages[box.element].add(number)
    return pages


@pytest.mark.parametrize("path", [*EVERY_FIXTURE, "callouts"], ids=str)
def test_small_blocks_stay_whole_and_headings_with_what_follows(
    tmp_path: Path, path: Path | str
) -> None:
    source = _callouts_at_every_depth(tmp_path) if path == "callouts" else _fixture(tmp_path, path)
    document = laid_out(source)
    pages = _pages_of(document)
    root = document.pages[0]._page_box.children[0].element
    following_of = {
        child: after for parent in root.iter() for child, after in itertools.pairwise(parent)
    }
    for element, on in pages.items():
        classes = set((element.get("class") or "").split())
        if classes & KEPT_WHOLE:
            assert len(on) == 1, (sorted(classes), "".join(element.itertext())[:60], on)
        if element.tag in ("h2", "h3") and "section-title" in classes:
            following = following_of.get(element)
            if following is not None and following in pages:
                assert min(pages[following]) == max(on), "".join(element.itertext())


def test_a_callout_s_rule_ends_with_its_text(tmp_path: Path) -> None:
    """The accent rule beside a callout (its left border) is as tall as its text, not lines
    longer, wherever the callout falls."""
    document = laid_out(_callouts_at_every_depth(tmp_path))
    callouts = 0
    for page in document.pages:
        for box in page._page_box.descendants():
            if box.element is None or "callout" not in (box.element.get("class") or ""):
                continue
            if type(box).__name__ != "BlockBox" or not box.children:
                continue
            lines = [child for child in box.children if child.height]
            text_height = lines[-1].position_y + lines[-1].height - lines[0].position_y
            assert abs(box.height - text_height) < 1, (box.height, text_height)
            callouts += 1
    assert callouts >= 14


def test_notes_called_from_callouts_sit_on_their_page_as_notes_under_a_rule(
    tmp_path: Path,
) -> None:
    """A note's text takes the notes' own type (the body's serif, regular, 8.5 pt), not the bold
    sans of the callout it is called from; it is on the page of its call wherever the callout
    falls; the notes stand under a short rule."""
    document = laid_out(_callouts_at_every_depth(tmp_path, noted=True))
    calls: dict[str, int] = {}
    notes: dict[str, tuple[int, Any]] = {}
    for number, page in enumerate(document.pages, 1):
        for box in page._page_box.descendants():
            if type(box).__name__ != "TextBox":
                continue
            if box.text.startswith("Note on part "):
                notes[f"part-{box.text.split()[3].rstrip('.')}"] = (number, box)
            elif "politicized" in box.text:
                calls.setdefault(box.element.get("id").rpartition("-")[0], number)
    assert len(notes) == 14
    for section, (page, note) in notes.items():
        assert page == calls[section], section
        assert note.style["font_weight"] == 400 and round(note.style["font_size"] * 3 / 4, 2) == 8.5
        assert "Sans" not in " ".join(note.style["font_family"])
        areas = [
            box
            for box in document.pages[page - 1]._page_box.children
            if type(box).__name__ == "FootnoteAreaBox"
        ]
        assert areas and areas[0].style["background_image"][0][0] == "url"  # the rule
