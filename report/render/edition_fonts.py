"""Fonts an edition or a theme ships in its fonts/ folder for scripts the shipped fonts do not
cover (Georgian, Armenian, Devanagari, ...): found and checked here, then used by every output
after the shipped fonts, in every font stack.

Edition folders and themes may come from anyone, so each file is checked before any output sees
it: a regular file inside its folder, a TrueType or OpenType font by its bytes, at most
MAX_FONT_BYTES, readable by HarfBuzz. The outputs get HarfBuzz's subsets of it, never the file
itself, and the @font-face rules naming them are generated here, not written by the edition.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from report.cache import file_digest
from report.errors import AssetError
from report.filekinds import font_type
from report.render.templates import BASE_TEMPLATES, Templates

# WOFF and WOFF2 are compressed wrappers HarfBuzz does not open: the .ttf or .otf they were made
# from is what an edition ships (the EPUB and web edition get small subsets of it anyway).
FONT_SUFFIXES = (".ttf", ".otf")
WRAPPED_SUFFIXES = (".woff", ".woff2", ".ttc", ".otc")
# Large enough for a CJK font of one weight (15 to 17 MB); a font file much larger is a
# collection or a mistake, and each build reads it whole.
MAX_FONT_BYTES = 20 * 1024 * 1024
# Our own family names, so a font installed on the building machine never stands in for them;
# the PDF names each font after its family ("Brief-Edition-NotoSansGeorgian").
FAMILY_PREFIX = "Brief Edition"
# The name becomes a file name in the EPUB and the web edition (EPUBCheck refuses spaces).
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class EditionFont:
    """One checked font file of an edition's or a theme's fonts/ folder."""

    path: Path
    family: str  # the CSS family name the stylesheets use for it
    weight: int  # from the font's OS/2 table, 400 when it has none
    italic: bool
    characters: frozenset[str]

    @property
    def book_name(self) -> str:
        """Its file name in the EPUB and the web edition (fonts/...), suffix in lower case."""
        return f"fonts/{self.path.stem}{self.path.suffix.lower()}"

    @property
    def media_type(self) -> str:
        return "font/otf" if self.path.suffix.lower() == ".otf" else "font/ttf"


def find_edition_fonts(templates: Templates, shipped_names: set[str]) -> list[EditionFont]:
    """The fonts in the fonts/ folders of the edition and the theme, checked (AssetError naming
    the file otherwise), in a fixed order. A file named like a shipped font replaces that font
    (the search path) and is not an extra one; other files there (licences, READMEs) are left."""
    found: dict[str, EditionFont] = {}
    for folder, path in _fonts_folder_files(templates):
        suffix = path.suffix.lower()
        if suffix in WRAPPED_SUFFIXES:
            raise AssetError(
                f"{path}: {suffix} files are not read; put the .ttf or .otf font it was made "
                "from in the folder instead"
            )
        if suffix in FONT_SUFFIXES and path.name not in shipped_names | found.keys():
            found[path.name] = checked_font(folder, path)
    return sorted(found.values(), key=lambda font: (font.family, font.weight, font.italic))


def _fonts_folder_files(templates: Templates) -> Iterator[tuple[Path, Path]]:
    """(folder, file) for each file in the fonts/ folder of the edition, then of the theme."""
    for folder in templates.search_path:
        if folder != BASE_TEMPLATES and (folder / "fonts").is_dir():
            for path in sorted((folder / "fonts").iterdir()):
                yield folder, path


def checked_font(folder: Path, path: Path) -> EditionFont:
    """Check one font file of `folder` and read what the stylesheets need to know of it."""
    resolved = _inside(folder, path)
    if not SAFE_NAME.fullmatch(path.name):
        raise AssetError(
            f"{path}: rename it with letters, digits, '.', '-' and '_' only (the name is a file "
            "name in the EPUB)"
        )
    size = resolved.stat().st_size
    if size > MAX_FONT_BYTES:
        raise AssetError(f"{path}: {size:,} bytes, larger than {MAX_FONT_BYTES:,}; not loaded")
    weight, italic, characters = _font_facts(resolved, file_digest(resolved) or "")
    stem = re.sub(r"[^A-Za-z0-9]", "", path.stem.split("-")[0]) or "Font"
    return EditionFont(path, f"{FAMILY_PREFIX} {stem}", weight, italic, characters)


def _inside(folder: Path, path: Path) -> Path:
    """The file `path` names, refused unless it is a regular file inside `folder` (a symlink
    leading out of it, as templates.py refuses for templates)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise AssetError(f"{path}: leads outside {folder}; not loaded")
    if not resolved.is_file():
        raise AssetError(f"{path}: not a regular file")
    return resolved


@functools.lru_cache(maxsize=64)
def _font_facts(path: Path, _digest: str) -> tuple[int, bool, frozenset[str]]:
    """Weight, italic and characters of a font file, read once per version of it (`_digest`)."""
    import uharfbuzz as hb

    data = path.read_bytes()
    kind = font_type(path, data)
    if kind not in ("font/ttf", "font/otf"):
        raise AssetError(f"{path}: not a TrueType or OpenType font (by its first bytes)")
    face = hb.Face(data)
    codes = face.unicodes
    # HarfBuzz reads a damaged font as an empty one rather than failing.
    if face.glyph_count == 0 or not codes:
        raise AssetError(f"{path}: a damaged font, or one with no characters; not loaded")
    weight, italic = _style(face.reference_table("OS/2").data)
    return weight, italic, frozenset(chr(code) for code in codes)


def _style(os2: bytes) -> tuple[int, bool]:
    """usWeightClass (offset 4) and the italic bit of fsSelection (offset 62) of an OS/2 table;
    a font without one is taken as regular."""
    if len(os2) < 64:
        return 400, False
    weight = int.from_bytes(os2[4:6], "big")
    italic = bool(int.from_bytes(os2[62:64], "big") & 1)
    # CSS accepts 1 to 1000; a damaged table says anything.
    return (weight if 1 <= weight <= 1000 else 400), italic


def edition_characters(fonts: list[EditionFont]) -> frozenset[str]:
    """The characters the edition fonts draw in every style: a family's faces each draw their
    own (bold text looks in the bold face only), so per family the characters all its faces
    have, and over the families, the characters any of them has."""
    families: dict[str, frozenset[str]] = {}
    for font in fonts:
        have = families.get(font.family)
        families[font.family] = font.characters if have is None else have & font.characters
    return frozenset().union(*families.values())


def family_stack(fonts: list[EditionFont]) -> list[str]:
    """The edition fonts' families, in the order they are tried after the shipped ones."""
    return list(dict.fromkeys(font.family for font in fonts))


def font_face_css(fonts: list[EditionFont], sources: dict[Path, str]) -> str:
    """@font-face rules for the edition fonts; `sources` gives each file's URL in the output
    (a relative file name, or a data: URL), which this module made, not the edition."""
    rules = [
        f'@font-face {{ font-family: "{font.family}"; '
        f"font-style: {'italic' if font.italic else 'normal'}; font-weight: {font.weight}; "
        f'src: url("{sources[font.path]}"); }}'
        for font in fonts
    ]
    return "/* Generated: the edition's fonts, after the shipped ones. */\n" + "\n".join(rules)


def data_url(font: EditionFont, data: bytes) -> str:
    """A font's (subset's) bytes as a data: URL, for the print stylesheet."""
    return f"data:{font.media_type};base64,{base64.b64encode(data).decode('ascii')}"


def relative_url(font: EditionFont) -> str:
    """A font's address from the stylesheets of the EPUB or the web edition (css/ and fonts/
    are siblings in both)."""
    return f"../{font.book_name}"


# The names font licences go by: OFL.txt, LICENSE, LICENSE-NotoSansGeorgian.txt, COPYING, ...
LICENCE_NAME = re.compile(r"(OFL|LICEN[CS]E|COPYING)([._-][A-Za-z0-9._-]*)?", re.IGNORECASE)
MAX_LICENCE_BYTES = 256 * 1024  # the OFL is 4 KB; Debian's copyright files a few more


def font_licences(templates: Templates) -> dict[str, bytes]:
    """The licence files beside the edition's and the theme's fonts, by their name in the
    EPUB (fonts/...): the OFL asks that the licence travel with the font. Only UTF-8 text files
    inside the folder count; anything else of that name is refused by name."""
    found: dict[str, bytes] = {}
    for folder, path in _fonts_folder_files(templates):
        name = f"fonts/{path.name}"
        if LICENCE_NAME.fullmatch(path.name) and name not in found:
            found[name] = _licence_text(folder, path)
    return found


def _licence_text(folder: Path, path: Path) -> bytes:
    resolved = _inside(folder, path)
    if resolved.stat().st_size > MAX_LICENCE_BYTES:
        raise AssetError(f"{path}: larger than {MAX_LICENCE_BYTES:,} bytes; not a licence text")
    data = resolved.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise AssetError(f"{path}: not UTF-8 text ({err.reason}); save it as UTF-8") from err
    return data
