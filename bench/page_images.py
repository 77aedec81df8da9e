"""The brief's PDF pages as small grayscale images, compared with the references the tests keep.

`tests/test_gallery.py` renders the brief's pages now and compares them with
`tests/reference/belarus-nato/page-N.png`; a page that changed beyond the threshold fails the test,
with a difference image saved in `build/gallery-diff/`. Run as a script (`make gallery-accept`),
this module builds the brief and overwrites the references with its pages as they are now: do it
after a person has looked at the change (`make gallery`, and the difference images).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageChops, ImageOps

ROOT = Path(__file__).resolve().parent.parent
BRIEF = ROOT / "content" / "belarus-nato.yaml"
REFERENCES = ROOT / "tests" / "reference" / BRIEF.stem
DIFFERENCES = ROOT / "build" / "gallery-diff"
# 30 dpi: an A4 page is 248 × 351 pixels, a few kilobytes as grayscale PNG; a line of text is
# still a visible band, so a moved line, block or margin shows, while the files stay small.
REFERENCE_DPI = 30
# A pixel has changed when its gray level moved by more than this (of 255). WeasyPrint and
# pdftoppm draw the same PDF the same way every time; the margin absorbs anti-aliasing that
# differs between versions of poppler, cairo or FreeType, which moves edges by a few levels.
PIXEL_LEVEL = 32
# A page has changed when more than this share of its pixels changed: 0.01 %, 8 pixels of an A4
# page. A section title moved by half a millimetre changes 0.1 % to 0.6 % of a page, a letter added
# to a heading about 12 pixels; one letter in running text can stay under it (the text tests
# compare the words, this compares the drawing).
PAGE_SHARE = 0.0001
RED = (220, 30, 30)


def render_pages(pdf: Path, folder: Path, dpi: int, *, gray: bool = False) -> list[Path]:
    """Draw every page of `pdf` as `folder/page-N.png` (pdftoppm); return them in page order."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("page-*.png"):  # a longer PDF drawn here before left more pages
        old.unlink()
    command = ["pdftoppm", "-png", "-r", str(dpi), *(["-gray"] if gray else [])]
    subprocess.run([*command, str(pdf), str(folder / "page")], check=True)
    # pdftoppm pads the numbers to the page count's width (page-01.png); the names are unpadded
    # so that a reference keeps its name when the brief grows past nine pages.
    pages = []
    for path in sorted(folder.glob("page-*.png"), key=page_number):
        pages.append(path.rename(folder / f"page-{page_number(path)}.png"))
    return pages


def page_number(path: Path) -> int:
    """The N of page-N.png."""
    found = re.fullmatch(r"page-0*(\d+)\.png", path.name)
    if not found:
        raise ValueError(f"{path}: not a page image (page-N.png)")
    return int(found.group(1))


def reference_pages(folder: Path = REFERENCES) -> list[Path]:
    """The reference images kept for the brief, in page order."""
    return sorted(folder.glob("page-*.png"), key=page_number)


def changed_share(now: Image.Image, reference: Image.Image) -> tuple[float, Image.Image]:
    """The share of pixels whose gray level moved by more than PIXEL_LEVEL, and their mask.

    Pages of different sizes changed entirely (the paper size or orientation did)."""
    now, reference = now.convert("L"), reference.convert("L")
    if now.size != reference.size:
        return 1.0, Image.new("1", _larger(now, reference).size, 1)
    mask = ImageChops.difference(now, reference).point(lambda level: 255 * (level > PIXEL_LEVEL))
    changed = mask.histogram()[255]
    return changed / (mask.width * mask.height), mask.convert("1")


def _larger(*images: Image.Image) -> Image.Image:
    """A white canvas as wide as the widest of the images and as tall as the tallest."""
    width = max(image.width for image in images)
    height = max(image.height for image in images)
    return Image.new("L", (width, height), 255)


def difference_image(now: Image.Image, reference: Image.Image, mask: Image.Image) -> Image.Image:
    """Three panels side by side: the reference, the page now, and the page now faded with the
    changed pixels in red, so a person sees what moved without flipping between files."""
    now, reference = now.convert("L"), reference.convert("L")
    canvas = _larger(now, reference, mask)
    faded = ImageOps.colorize(now, black=(150, 150, 150), white=(255, 255, 255))
    marked = Image.new("RGB", canvas.size, (255, 255, 255))
    marked.paste(faded, (0, 0))
    marked.paste(Image.new("RGB", mask.size, RED), (0, 0), mask)
    gap = 8
    sheet = Image.new("RGB", (canvas.width * 3 + gap * 2, canvas.height), (128, 128, 128))
    for column, image in enumerate((reference.convert("RGB"), now.convert("RGB"), marked)):
        sheet.paste(image, (column * (canvas.width + gap), 0))
    return sheet


def compare(now: Sequence[Path], references: Sequence[Path], differences: Path) -> list[str]:
    """Every way the pages `now` differ from the `references`: a page count that differs, and
    each page changed beyond PAGE_SHARE, whose difference image is saved in `differences` as
    page-N.png (the folder is emptied first, so every image in it is of this comparison)."""
    shutil.rmtree(differences, ignore_errors=True)
    problems = []
    if len(now) != len(references):
        problems.append(f"the brief has {len(now)} page(s) now, the references {len(references)}")
    for number, (page, reference) in enumerate(zip(now, references, strict=False), start=1):
        problem = compare_page(number, page, reference, differences)
        if problem:
            problems.append(problem)
    return problems


def compare_page(number: int, page: Path, reference: Path, differences: Path) -> str | None:
    """What changed on one page beyond PAGE_SHARE, its difference image saved; None if nothing."""
    with Image.open(page) as current, Image.open(reference) as kept:
        share, mask = changed_share(current, kept)
        if share <= PAGE_SHARE:
            return None
        differences.mkdir(parents=True, exist_ok=True)
        saved = differences / f"page-{number}.png"
        difference_image(current, kept, mask).save(saved)
        size = "" if current.size == kept.size else f" (its size {kept.size} is {current.size} now)"
    return f"page {number}: {share:.2%} of its pixels changed{size}; see {saved}"


def accept(source: Path = BRIEF, references: Path = REFERENCES) -> list[str]:
    """Build `source` and make its pages, drawn as the test draws them, the new references.
    Return what changed against the old ones (nothing when the design did not change)."""
    from report.pipeline import build

    with tempfile.TemporaryDirectory(prefix="report-gallery-accept-") as work:
        (written,) = build([source], Path(work), formats=["pdf"])
        pages = render_pages(written.path, Path(work) / "pages", REFERENCE_DPI, gray=True)
        changes = compare(pages, reference_pages(references), DIFFERENCES)
        references.mkdir(parents=True, exist_ok=True)
        for old in reference_pages(references):
            old.unlink()
        for page in pages:
            with Image.open(page) as image:
                # optimize: the references live in git; a few kilobytes saved on every accept
                image.save(references / page.name, optimize=True)
    return changes or [f"no page changed beyond {PAGE_SHARE:.2%} of its pixels"]


def main() -> int:
    for change in accept():
        print(change)
    count, folder = len(reference_pages()), REFERENCES.relative_to(ROOT)
    print(f"accepted {count} page(s) of {BRIEF.relative_to(ROOT)} into {folder}")
    print("review with `git diff --stat tests/reference` and commit them with the design change")
    return 0


if __name__ == "__main__":
    sys.exit(main())
