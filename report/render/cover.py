"""Draw the EPUB cover image (topic, title, edition, author) like the PDF's cover page."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from report.content.model import Brief, byline

WIDTH, HEIGHT = 1600, 2400
INK = (26, 26, 26)
MUTED = (77, 85, 97)
RULE = (197, 204, 214)
WHITE = (255, 255, 255)
MARGIN = 190


WEIGHTS = {"Regular": 400, "SemiBold": 600, "Bold": 700}


TITLE_SIZES = (150, 128, 108, 92, 78, 66, 56)  # tried in turn: the largest that fits
RIGHT = WIDTH - 150  # the text's right edge
TITLE_GAP = 90  # between the title block (with the topic) and the rule over the foot
BAND_BOTTOM = 1460  # the band layout's accent block reaches at least this far down
BAND_PADDING = 110  # between the topic's last line and the block's lower edge


@dataclass(frozen=True)
class Line:
    """One line of the cover: its text, style, and the box it is drawn in (left, top, right,
    bottom), which the tests check stays inside its area."""

    text: str
    weight: str
    size: int
    role: str  # "label", "title", "topic", "edition", "people", "publisher"
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class CoverLayout:
    """Where everything on the cover goes: the lines, the title's area and the foot's rule."""

    lines: list[Line]
    title_area: tuple[int, int, int, int]
    rule: int
    block: int = 0  # the lower edge of the band layout's accent block (0: no block)


def layout_cover(
    brief: Brief,
    edition_line: str,
    label: str,
    text: Callable[[str, int], _Text],
) -> CoverLayout:
    """Lay the cover out: the label (what the document is: Templates.cover_label) at the top,
    the title in the largest size at which it fits above the foot (then wrapping to more lines),
    the topic under it, the edition and the people in the foot. In the band layout the label,
    title and topic stand at the foot of an accent block that fills the upper page."""
    foot = _foot_lines(brief, edition_line, text)
    rule = HEIGHT - 150 - sum(line.size + 28 for line in foot) - 50
    lines = []
    y = 560
    for part in _wrap(label.upper(), text("SemiBold", 52).length, RIGHT - MARGIN)[:2]:
        lines.append(Line(part, "SemiBold", 52, "label", (MARGIN, y, RIGHT, y + 70)))
        y += 70
    top = y + 70 if lines else y
    topic = _wrap(brief.topic, text("Regular", 58).length, RIGHT - MARGIN)[:3]
    band = brief.style.cover == "band"
    # In the band the block's padding comes between the topic and the rule too.
    bottom = rule - TITLE_GAP - (BAND_PADDING if band else 0) - len(topic) * 76 - 40
    size, title = _fit(brief.title, text, RIGHT - MARGIN, bottom - top)
    y = top
    for part in title:
        lines.append(Line(part, "Bold", size, "title", (MARGIN, y, RIGHT, y + round(size * 1.15))))
        y += round(size * 1.15)
    y += 40
    for part in topic:
        lines.append(Line(part, "Regular", 58, "topic", (MARGIN, y, RIGHT, y + 76)))
        y += 76
    head = lines
    block = 0
    if band:
        block = max(BAND_BOTTOM, y + BAND_PADDING)
        head = [_moved(line, block - BAND_PADDING - y) for line in lines]
    lines = list(head)
    y = rule + 50
    for line in foot:
        lines.append(
            Line(
                line.text, line.weight, line.size, line.role, (MARGIN, y, RIGHT, y + line.size + 10)
            )
        )
        y += line.size + 28
    return CoverLayout(lines, (MARGIN, top, RIGHT, bottom), rule, block)


def _moved(line: Line, down: int) -> Line:
    left, top, right, bottom = line.box
    return Line(
        line.text, line.weight, line.size, line.role, (left, top + down, right, bottom + down)
    )


def _foot_lines(brief: Brief, edition_line: str, text: Callable[[str, int], _Text]) -> list[Line]:
    """The foot's lines, boxes still to place: the edition, the people (wrapped, at most
    three lines), the publisher."""
    lines = [Line(_one_line(edition_line), "SemiBold", 58, "edition", (0, 0, 0, 0))]
    people = _wrap(byline(brief), text("Regular", 50).length, RIGHT - MARGIN)
    if len(people) > 3:
        people = [
            *people[:2],
            _ellipsized(" ".join(people[2:]), text("Regular", 50), RIGHT - MARGIN),
        ]
    lines += [Line(part, "Regular", 50, "people", (0, 0, 0, 0)) for part in people]
    if brief.publisher:
        lines.append(Line(_one_line(brief.publisher), "Regular", 50, "publisher", (0, 0, 0, 0)))
    return lines


def _fit(
    title: str, text: Callable[[str, int], _Text], width: int, height: int
) -> tuple[int, list[str]]:
    """The largest title size whose lines fit the area, and the lines; at the smallest size, the
    lines that fit, the last ending in an ellipsis (the content's title cap keeps this rare)."""
    for size in TITLE_SIZES:
        lines = _wrap(title, text("Bold", size).length, width, split_words=True)
        if len(lines) * round(size * 1.15) <= height:
            return size, lines
    size = TITLE_SIZES[-1]
    fitting = max(1, height // round(size * 1.15))
    lines = _wrap(title, text("Bold", size).length, width, split_words=True)
    rest = " ".join(lines[fitting - 1 :])
    return size, [*lines[: fitting - 1], _ellipsized(rest, text("Bold", size), width)]


def _ellipsized(line: str, font: _Text, width: int) -> str:
    while line and font.length(line + "…") > width:
        line = line[:-1]
    return line.rstrip() + "…"


def draw_cover(
    brief: Brief,
    edition_line: str,
    font_file: Callable[[str], Path],
    logo: Path | None,
    fallbacks: Sequence[Fallback] = (),
    shipped: frozenset[str] = frozenset(),
    label: str = "",
) -> bytes:
    """Return a PNG cover in the brief's cover layout, accent and shipped fonts; characters
    outside `shipped` (those every shipped font has) are drawn in the edition's `fallbacks`,
    as the other outputs draw them."""
    accent = tuple(int(brief.style.accent[i : i + 2], 16) for i in (1, 3, 5))
    full = brief.style.cover == "full"
    image = Image.new("RGB", (WIDTH, HEIGHT), accent if full else WHITE)
    draw = ImageDraw.Draw(image)
    ink, muted, label_color = (WHITE, WHITE, WHITE) if full else (INK, MUTED, accent)
    colors = {"label": label_color, "title": ink, "topic": muted, "edition": ink}
    text = cover_text(brief, font_file, fallbacks, shipped)
    layout = layout_cover(brief, edition_line, label, text)
    if layout.block:
        draw.rectangle((0, 0, WIDTH, layout.block), fill=accent)
        colors.update(label=WHITE, title=WHITE, topic=WHITE)
    if logo:
        _paste_logo(image, logo, plate=full or bool(layout.block))
    for line in layout.lines:
        text(line.weight, line.size).draw(
            draw, line.box[:2], line.text, colors.get(line.role, muted)
        )
    draw.line((MARGIN, layout.rule, RIGHT, layout.rule), fill=WHITE if full else RULE, width=4)

    buffer = io.BytesIO()
    # zlib level 6 without Pillow's "optimize" search: 3x faster, 3% larger.
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def heading_font_file(brief: Brief, font_file: Callable[[str], Path], weight: str) -> Path:
    """The shipped file of the brief's heading font at a weight (Regular, SemiBold, Bold)."""
    if brief.style.heading_font == "sans":
        return font_file(f"fonts/Inter-{weight}.otf")
    return font_file(f"fonts/CharisSIL-{'Regular' if weight == 'Regular' else 'Bold'}.ttf")


def cover_text(
    brief: Brief,
    font_file: Callable[[str], Path],
    fallbacks: Sequence[Fallback] = (),
    shipped: frozenset[str] = frozenset(),
) -> Callable[[str, int], _Text]:
    """Text in the cover's heading font at a weight and size, with the edition's fallbacks."""

    def font(weight: str, size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(str(heading_font_file(brief, font_file, weight)), size)

    def text(weight: str, size: int) -> _Text:
        nearest = sorted(fallbacks, key=lambda fallback: abs(fallback.weight - WEIGHTS[weight]))
        return _Text(font(weight, size), size, nearest, shipped)

    return text


@dataclass(frozen=True)
class Fallback:
    """An edition font the cover may draw characters in (report.render.edition_fonts): HarfBuzz's
    subset of it, never the edition's file itself, which FreeType need not parse."""

    name: str
    data: bytes
    weight: int
    characters: frozenset[str]


class _Text:
    """Text in one of the cover's fonts, each character the shipped fonts lack drawn in the
    first edition font that has it: Pillow has no font fallback of its own."""

    def __init__(
        self,
        font: ImageFont.FreeTypeFont,
        size: int,
        fallbacks: Sequence[Fallback],
        shipped: frozenset[str],
    ) -> None:
        self.font, self.size, self.fallbacks, self.shipped = font, size, fallbacks, shipped
        self.ascent = font.getmetrics()[0]
        self._opened: dict[str, ImageFont.FreeTypeFont] = {}

    def _font_for(self, char: str) -> ImageFont.FreeTypeFont:
        if char in self.shipped or char.isspace():
            return self.font
        for fallback in self.fallbacks:
            if char in fallback.characters:
                if fallback.name not in self._opened:
                    data = io.BytesIO(fallback.data)
                    self._opened[fallback.name] = ImageFont.truetype(data, self.size)
                return self._opened[fallback.name]
        return self.font  # checked content has none such: every character is in some font

    def runs(self, text: str) -> list[tuple[str, ImageFont.FreeTypeFont]]:
        """The text cut where the font drawing it changes."""
        runs: list[tuple[str, ImageFont.FreeTypeFont]] = []
        for char in text:
            font = self._font_for(char)
            if runs and runs[-1][1] is font:
                runs[-1] = (runs[-1][0] + char, font)
            else:
                runs.append((char, font))
        return runs

    def length(self, text: str) -> float:
        return sum(font.getlength(run) for run, font in self.runs(text))

    def draw(
        self, draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, fill: tuple[int, ...]
    ) -> None:
        runs = self.runs(text)
        if all(font is self.font for _, font in runs):
            draw.text(xy, text, font=self.font, fill=fill)  # as covers were always drawn
            return
        # On one baseline (the cover font's), whatever each font's own ascent.
        x, baseline = float(xy[0]), xy[1] + self.ascent
        for run, font in runs:
            draw.text((x, baseline), run, font=font, fill=fill, anchor="ls")
            x += font.getlength(run)


def _paste_logo(cover: Image.Image, path: Path, plate: bool = False) -> None:
    """Place the logo top left, at most 160 px high and 600 px wide, keeping its proportions;
    on the accent page, on a white plate, so a dark logo stays legible."""
    with Image.open(path) as logo:
        logo = logo.convert("RGBA")
        logo.thumbnail((600, 160))
        if plate:
            box = (MARGIN - 24, 200 - 20, MARGIN + logo.width + 24, 200 + logo.height + 20)
            ImageDraw.Draw(cover).rounded_rectangle(box, radius=12, fill=WHITE)
        cover.paste(logo, (MARGIN, 200), logo)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _wrap(
    text: str, length: Callable[[str], float], width: int, split_words: bool = False
) -> list[str]:
    """Break text into lines that fit; line breaks and tabs in the text count as spaces. With
    `split_words`, a word wider than a line is broken between its characters."""
    lines: list[str] = []
    current = ""
    words = text.split()
    if split_words:
        words = [part for word in words for part in _pieces(word, length, width)]
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and length(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def _pieces(word: str, length: Callable[[str], float], width: int) -> list[str]:
    """A word cut into pieces that each fit a line (only a word wider than the line is cut)."""
    pieces = []
    while length(word) > width and len(word) > 1:
        cut = len(word) - 1
        while cut > 1 and length(word[:cut]) > width:
            cut -= 1
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]
