"""Draw the EPUB cover image (title, topic, edition) with the shipped fonts."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1600, 2400
ACCENT = (29, 63, 110)
INK = (26, 26, 26)
MUTED = (77, 85, 97)
MARGIN = 190


def draw_cover(
    title: str, topic: str, edition_line: str, author: str, font_file: Callable[[str], Path]
) -> bytes:
    """Return a PNG cover laid out like the PDF's cover page; `font_file` finds a shipped font."""

    def font(name: str, size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(str(font_file(f"fonts/{name}")), size)

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 70, HEIGHT), fill=ACCENT)
    topic_font = font("Inter-SemiBold.otf", 52)
    title_font = font("Inter-Bold.otf", 150)
    small_font = font("Inter-Regular.otf", 58)
    edition_font = font("Inter-SemiBold.otf", 58)

    y = 560
    for line in _wrap(topic.upper(), topic_font, WIDTH - MARGIN - 150):
        draw.text((MARGIN, y), line, font=topic_font, fill=ACCENT)
        y += 70
    y += 70
    for line in _wrap(title, title_font, WIDTH - MARGIN - 150):
        draw.text((MARGIN, y), line, font=title_font, fill=INK)
        y += 172
    foot = HEIGHT - 380
    draw.line((MARGIN, foot, WIDTH - 150, foot), fill=(197, 204, 214), width=4)
    draw.text((MARGIN, foot + 50), " ".join(edition_line.split()), font=edition_font, fill=INK)
    draw.text((MARGIN, foot + 135), " ".join(author.split()), font=small_font, fill=MUTED)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break text into lines that fit; line breaks and tabs in the text count as spaces."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and font.getlength(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines
