"""The brief's PDF pages against their reference images (tests/reference/), and proof that the
comparison fails when the design changes. See bench/page_images.py and docs/gallery.md."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from bench.page_images import (
    DIFFERENCES,
    PAGE_SHARE,
    PIXEL_LEVEL,
    REFERENCE_DPI,
    REFERENCES,
    compare,
    reference_pages,
    render_pages,
)
from report.pipeline import build
from tests.conftest import CONTENT

ACCEPT = (
    "look at the difference images (reference, now, changes in red) and at `make gallery`; "
    "if the change is meant, run `make gallery-accept` and commit tests/reference/ with it"
)


@pytest.fixture(scope="module")
def pages(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The pages of the brief built for the session, drawn as the references are."""
    folder = tmp_path_factory.mktemp("pages")
    return render_pages(built["pdf"], folder, REFERENCE_DPI, gray=True)


def test_the_brief_s_pages_match_their_references(pages: list[Path]) -> None:
    references = reference_pages()
    assert references, f"no reference images in {REFERENCES}: run `make gallery-accept`"
    problems = compare(pages, references, DIFFERENCES)
    assert not problems, "\n".join([*problems, ACCEPT])


def test_a_change_of_design_fails_with_difference_images(pages: list[Path], tmp_path: Path) -> None:
    """The brief built again with its section titles half a millimetre lower (an edition's CSS,
    in a copy: the committed references are not touched) differs from the brief as built."""
    copy = tmp_path / CONTENT.name
    shutil.copy(CONTENT, copy)
    css = tmp_path / CONTENT.stem / "css" / "edition.css"
    css.parent.mkdir(parents=True)
    css.write_text("h2 { position: relative !important; top: 0.5mm !important; }\n", "utf-8")
    (written,) = build([copy], tmp_path / "out", formats=["pdf"])
    moved = render_pages(written.path, tmp_path / "moved", REFERENCE_DPI, gray=True)

    problems = compare(moved, pages, tmp_path / "diff")
    assert problems, "moving every section title changed no page beyond the threshold"
    for problem in problems:
        saved = Path(problem.rsplit("; see ", 1)[1])
        assert saved.is_file(), problem
        with Image.open(saved) as image, Image.open(pages[0]) as page:
            assert image.width > 3 * page.width  # reference, now, and the changes side by side


def test_a_page_count_that_differs_fails_saying_so(pages: list[Path], tmp_path: Path) -> None:
    problems = compare(pages[:-1], pages, tmp_path)
    assert problems == [f"the brief has {len(pages) - 1} page(s) now, the references {len(pages)}"]


def test_anti_aliasing_noise_passes_and_a_small_mark_does_not(
    pages: list[Path], tmp_path: Path
) -> None:
    """The threshold's two edges: every pixel moved by PIXEL_LEVEL (gray levels) is noise; a mark
    of just more than PAGE_SHARE of the page's pixels is a change."""
    with Image.open(pages[0]) as page:
        noisy = page.convert("L").point(lambda level: max(level - PIXEL_LEVEL, 0))
        marked = page.convert("L")
    noisy.save(tmp_path / "noisy.png")
    side = int((PAGE_SHARE * marked.width * marked.height) ** 0.5) + 1
    box = (0, 0, side, side)
    # a square in the corner, light where the page is dark and dark where it is light
    marked.paste(marked.crop(box).point(lambda level: 255 * (level < 128)), box)
    marked.save(tmp_path / "marked.png")

    assert compare([tmp_path / "noisy.png"], pages[:1], tmp_path / "diff") == []
    (problem,) = compare([tmp_path / "marked.png"], pages[:1], tmp_path / "diff")
    assert problem.startswith("page 1: ") and (tmp_path / "diff" / "page-1.png").is_file()


def test_a_page_of_another_size_fails_saying_so(pages: list[Path], tmp_path: Path) -> None:
    """A4 to Letter, say: the whole page counts as changed, and the message gives both sizes."""
    with Image.open(pages[0]) as page:
        wider = page.resize((page.width + 7, page.height - 18))
        sizes = f"its size {page.size} is {wider.size} now"
    wider.save(tmp_path / "page-1.png")
    (problem,) = compare([tmp_path / "page-1.png"], pages[:1], tmp_path / "diff")
    assert problem.startswith("page 1: 100.00% of its pixels changed") and sizes in problem
    assert (tmp_path / "diff" / "page-1.png").is_file()
