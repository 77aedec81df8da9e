"""The PDF's text layer reads whole words where the layout hyphenated them (issue 16).

The words to look for come from a build with the fix turned off, whose extracted text still has
the automatic hyphens (U+2010) at line ends: nothing here is a hard-coded list.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops

import report.outputs.pdf
from report.pipeline import build
from tests.conftest import CONTENT

HYPHEN = "\u2010"


@pytest.fixture(scope="module")
def unfixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The brief's PDF as it was before: automatic hyphens in the text layer."""
    out = tmp_path_factory.mktemp("unfixed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report.outputs.pdf, "find_breaks", lambda document: [])
        return build([CONTENT], out, ["pdf"])[0].path


def pdftotext(path: Path, *options: str) -> str:
    run = subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    )
    return run.stdout


def hyphenated_phrases(text: str) -> list[str]:
    """For each line that ends in an automatic hyphen, the word before the break and the whole
    hyphenated word with what is set close after it ("expand constructive cooperation")."""
    lines = [line.strip() for line in text.splitlines()]
    phrases = []
    for number, line in enumerate(lines):
        if not line.endswith(HYPHEN):
            continue
        following = next(rest for rest in lines[number + 1 :] if rest)
        words = line[: -len(HYPHEN)].split()
        whole = words[-1] + following.split()[0]
        phrases.append(" ".join([*words[-2:-1], whole]))
    return phrases


def squeezed(text: str) -> str:
    """-layout text with its runs of spaces (columns, justification) as one space."""
    return re.sub(r"[ \t]+", " ", text)


@pytest.fixture(scope="module")
def phrases(unfixed: Path) -> list[str]:
    found = hyphenated_phrases(pdftotext(unfixed))
    print(f"\nhyphenated line ends in the brief's PDF: {len(found)}")
    assert found, "the brief has no hyphenated line any more: this test checks nothing"
    return found


@pytest.mark.parametrize("options", [(), ("-layout",)], ids=["plain", "layout"])
def test_hyphenated_words_are_whole_in_the_text(
    built: dict[str, Path], phrases: list[str], options: tuple[str, ...]
) -> None:
    text = squeezed(pdftotext(built["pdf"], *options))
    assert not [line for line in text.splitlines() if line.rstrip().endswith(HYPHEN)]
    missing = [phrase for phrase in phrases if phrase not in text]
    assert not missing, f"not found whole: {missing}"


def test_typed_hyphens_stay_in_the_text(built: dict[str, Path], unfixed: Path) -> None:
    text, before = pdftotext(built["pdf"]), pdftotext(unfixed)
    assert "Euro-Atlantic" in text
    assert text.count("-") == before.count("-")


def test_pages_look_the_same(built: dict[str, Path], unfixed: Path, tmp_path: Path) -> None:
    for name, path in (("fixed", built["pdf"]), ("unfixed", unfixed)):
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / name)], check=True
        )
    pages = sorted(tmp_path.glob("fixed-*.png"))
    assert len(pages) == len(list(tmp_path.glob("unfixed-*.png")))
    for page in pages:
        with Image.open(page) as fixed, Image.open(page.with_name("un" + page.name)) as old:
            assert ImageChops.difference(fixed.convert("RGB"), old.convert("RGB")).getbbox() is None


def marked_content(pdf: pikepdf.Pdf) -> list[list[tuple[str, str, bool]]]:
    """Each page's text objects and marked-content operators, in order, as (operator, tag,
    whether the sequence carries ActualText)."""
    pages = []
    for page in pdf.pages:
        found = []
        for operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name in ("BDC", "BMC"):
                properties = operands[1] if len(operands) > 1 else None
                text = isinstance(properties, pikepdf.Dictionary) and "/ActualText" in properties
                found.append((name, str(operands[0]), text))
            elif name in ("EMC", "BT", "ET"):
                found.append((name, "", False))
        pages.append(found)
    return pages


def test_actual_text_spans_nest_inside_tagged_text(built: dict[str, Path]) -> None:
    """Every ActualText span is inside a text object and inside the marked-content sequence of
    its text box (an MCID: real content, no artifact), and every sequence is closed."""
    spans = 0
    with pikepdf.open(built["pdf"]) as pdf:
        for operations in marked_content(pdf):
            open_tags: list[str] = []
            in_text = False
            for operator, tag, actual_text in operations:
                if operator in ("BT", "ET"):
                    in_text = operator == "BT"
                elif operator == "EMC":
                    open_tags.pop()
                elif actual_text:
                    assert in_text and open_tags == ["/Span"], open_tags
                    spans += 1
                    open_tags.append(tag)
                else:
                    open_tags.append(tag)
            assert not open_tags
    assert spans


def test_the_structure_tree_is_unchanged(built: dict[str, Path], unfixed: Path) -> None:
    def tree(path: Path) -> list[str]:
        with pikepdf.open(path) as pdf:
            return [repr(element.get("/K")) for element in _elements(pdf.Root.StructTreeRoot)]

    assert tree(built["pdf"]) == tree(unfixed)


def _elements(node: object) -> list[pikepdf.Dictionary]:
    found = []
    if isinstance(node, pikepdf.Array):
        for child in node:
            found += _elements(child)
    elif isinstance(node, pikepdf.Dictionary) and "/K" in node:
        if "/S" in node:
            found.append(node)
        found += _elements(node.K)
    return found


LONG_WORDS = (
    "international cooperation interoperability humanitarian implementation responsibilities "
    "environmental representatives"
)
SMALL_PAGES = f"""<html lang="en"><style>
@page {{ size: 70mm 40mm; margin: 5mm }}
body {{ hyphens: auto; font-size: 11pt; text-align: justify }}
</style><p>{LONG_WORDS} {LONG_WORDS} co<b>operation</b> <em>internationalization</em>
{LONG_WORDS}</p>
<p style="hyphens: none; width: 1px">The pre{HYPHEN} and re{HYPHEN} sessions</p></html>"""


def small_pages_text(path: Path, fix: bool) -> str:
    """Narrow pages of long words, written as make_pdf writes the brief, with or without the fix."""
    import weasyprint

    from report.outputs.pdf_hyphens import find_breaks, keep_words_whole

    document = weasyprint.HTML(string=SMALL_PAGES).render(pdf_variant="pdf/ua-1")
    marks = find_breaks(document) if fix else []
    document.write_pdf(
        path,
        finisher=lambda document, pdf: keep_words_whole(pdf, document.fonts, marks),
        pdf_variant="pdf/ua-1",
    )
    return pdftotext(path)


def test_words_join_across_pages_and_inline_markup_but_not_after_typed_hyphens(
    tmp_path: Path,
) -> None:
    before = small_pages_text(tmp_path / "unfixed.pdf", fix=False)
    after = small_pages_text(tmp_path / "fixed.pdf", fix=True)
    assert re.search(f"{HYPHEN}\n+\f", before), "no word broken across pages: make them smaller"
    layout_hyphens = before.split(f"The\npre{HYPHEN}")[0]  # not the typed ones after it
    phrases = hyphenated_phrases(layout_hyphens)
    assert phrases and not [phrase for phrase in phrases if phrase not in after]
    assert "internationalization" in after.split()  # set in <em>: a text box of its own
    for typed in (f"pre{HYPHEN}\nand", f"re{HYPHEN}\nsessions"):  # the author's, not the layout's
        assert typed in before and typed in after
