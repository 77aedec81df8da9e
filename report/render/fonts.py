"""The book's fonts: the shipped ones the stylesheets use and the edition's own (see
report.render.edition_fonts), which characters they draw, and subsets of them for the outputs."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from report.cache import file_digest, memo, package_stamp
from report.errors import AssetError
from report.render.edition_fonts import (
    EditionFont,
    data_url,
    edition_characters,
    find_edition_fonts,
    font_face_css,
    relative_url,
)
from report.render.templates import Medium, Templates

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


def extra_fonts(templates: Templates) -> list[EditionFont]:
    """The edition's and the theme's own fonts (fonts/), used after the shipped ones."""
    return find_edition_fonts(templates, {path.name for path in font_files(templates)})


def font_names(templates: Templates) -> str:
    """The book's font families as a reader would name them (from the font files' names)."""
    paths = [*font_files(templates), *(font.path for font in extra_fonts(templates))]
    return ", ".join(sorted({path.stem.split("-")[0] for path in paths}))


FAMILY = re.compile(r'font-family:\s*"([^"]+)"')


def font_families(templates: Templates) -> tuple[str, ...]:
    """The family names the stylesheets give the book's fonts (@font-face in css/fonts.css, and
    the edition's fonts)."""
    extra = {font.family for font in extra_fonts(templates)}
    return tuple(sorted({*FAMILY.findall(_fonts_css(templates)), *extra}))


def _fonts_css(templates: Templates) -> str:
    """The @font-face rules (css/fonts.css along the search path), read once per templates."""
    return templates.text("css/fonts.css")


def covered_characters(templates: Templates, cache_dir: Path | None = None) -> frozenset[str]:
    """The characters the book's fonts draw in every style: those every shipped font has, and
    those the edition's fonts add. Text outside them would be set in a font of the building
    machine's, which the book does not carry."""
    extra = edition_characters(extra_fonts(templates))
    return shipped_characters(templates, cache_dir) | extra


def shipped_characters(templates: Templates, cache_dir: Path | None = None) -> frozenset[str]:
    """The characters every shipped font of the stylesheets has."""
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


def edition_fonts_css(templates: Templates, medium: Medium, cache_dir: Path | None) -> str | None:
    """The @font-face rules of the edition's fonts for one output, or None when there are none.

    The PDF gets each font as a data: URL of a subset to the characters the shipped fonts lack
    (all WeasyPrint may look for in it, whatever the text), so WeasyPrint never reads the
    edition's file itself, only HarfBuzz's rewrite of it. The EPUB and the web edition name the
    subsets they carry in fonts/ (see book_fonts).
    """
    fonts = extra_fonts(templates)
    if not fonts:
        return None
    if medium == "print":
        sources = {
            font.path: data_url(font, fallback_subset(templates, font, cache_dir)) for font in fonts
        }
    else:
        sources = {font.path: relative_url(font) for font in fonts}
    return font_face_css(fonts, sources)


def fallback_subset(templates: Templates, font: EditionFont, cache_dir: Path | None) -> bytes:
    """An edition font cut down to the characters the shipped fonts lack: all a fallback is
    looked in for, whatever the text (the PDF's fonts and the EPUB's cover image)."""
    shipped = shipped_characters(templates, cache_dir)
    return subset_font(font.path, font.characters - shipped, cache_dir)


def book_fonts(
    templates: Templates, used: Iterable[str], cache_dir: Path | None = None
) -> dict[str, bytes]:
    """The fonts an EPUB or a web edition carries, by name (fonts/...): the shipped ones and the
    edition's, each cut down to the characters `used`."""
    used = set(used)
    fonts = {
        f"fonts/{path.name}": subset_font(path, used, cache_dir) for path in font_files(templates)
    }
    for font in extra_fonts(templates):
        fonts[font.book_name] = subset_font(font.path, used, cache_dir)
    return fonts
