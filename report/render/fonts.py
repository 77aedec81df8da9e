"""The shipped fonts: which files the stylesheets use, and subsets of them for the EPUB and the
web edition."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from report.cache import file_digest, memo, package_stamp
from report.errors import AssetError
from report.render.templates import Templates

# Always kept, so text a reader adds (notes, search) in basic Latin still renders in the font.
BASIC_CHARACTERS = "".join(chr(code) for code in range(0x20, 0x7F)) + "\u00a0–—‘’“”…•"
# The figure styles the stylesheets ask for, on top of HarfBuzz's default feature list.
EXTRA_FEATURES = ("onum", "lnum", "pnum", "tnum")
# Copyright, family names, version, licence and licence URL: the OFL asks that they travel along.
NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)


def font_files(templates: Templates) -> list[Path]:
    """Return the font files the stylesheets' @font-face rules point at."""
    names = sorted(set(re.findall(r'url\("\.\./fonts/([^"]+)"\)', _fonts_css(templates))))
    return [templates.find(f"fonts/{name}") for name in names]


def font_names(templates: Templates) -> str:
    """The book's font families as a reader would name them (from the font files' names)."""
    return ", ".join(sorted({path.stem.split("-")[0] for path in font_files(templates)}))


FAMILY = re.compile(r'font-family:\s*"([^"]+)"')


def font_families(templates: Templates) -> tuple[str, ...]:
    """The family names the stylesheets give the book's fonts (@font-face in css/fonts.css)."""
    return tuple(sorted(set(FAMILY.findall(_fonts_css(templates)))))


def _fonts_css(templates: Templates) -> str:
    """The @font-face rules (css/fonts.css along the search path), read once per templates."""
    return templates.text("css/fonts.css")


def covered_characters(templates: Templates, cache_dir: Path | None = None) -> frozenset[str]:
    """The characters every text font of the stylesheets has: text outside them would be set
    in a font of the building machine's, which the book does not ship."""
    paths = font_files(templates)
    key = ["font coverage", *(file_digest(path) or str(path) for path in paths), *_subsetter()]
    data = memo(cache_dir, key, lambda: _coverage(paths).encode("utf-8", "surrogatepass"))
    return frozenset(data.decode("utf-8", "surrogatepass"))


def _coverage(paths: list[Path]) -> str:
    import uharfbuzz as hb

    sets = [set(hb.Face(hb.Blob.from_file_path(str(path))).unicodes) for path in paths]
    common = set.intersection(*sets) if sets else set()
    return "".join(chr(code) for code in sorted(common))


def subset_font(path: Path, characters: Iterable[str], cache_dir: Path | None = None) -> bytes:
    """Return the font at `path` cut down to `characters`, keeping its layout features.

    A subset is kept in `cache_dir`: an edited text mostly uses the same characters, so the next
    build reuses it without loading HarfBuzz.
    """
    wanted = "".join(sorted({*characters, *BASIC_CHARACTERS}))
    key = ["font subset", file_digest(path) or str(path), wanted, *_subsetter()]
    return memo(cache_dir, key, lambda: _subset(path, wanted))


@functools.cache
def _subsetter() -> tuple[bytes, str]:
    """What makes the subsets besides the font: this file and the installed HarfBuzz binding."""
    return Path(__file__).read_bytes(), package_stamp("uharfbuzz")


def _subset(path: Path, wanted: str) -> bytes:
    """HarfBuzz does this in milliseconds where fontTools takes seconds, and writes no timestamp."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(path)))
    request = hb.SubsetInput()
    request.unicode_set.update(ord(char) for char in wanted)
    request.layout_feature_tag_set.update(
        int.from_bytes(tag.encode(), "big") for tag in EXTRA_FEATURES
    )
    request.name_id_set.update(NAME_IDS)
    try:
        result = hb.subset(face, request)
    except RuntimeError as err:  # a damaged font, from an edition folder or a theme
        raise AssetError(f"{path}: HarfBuzz could not subset this font ({err})") from err
    if result is None:
        raise AssetError(f"{path}: HarfBuzz could not subset this font")
    return result.blob.data
