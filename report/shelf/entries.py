"""Each brief's catalog entry: what the shelf says about it, written beside its outputs.

A build writes `OUT/.report-shelf/<stem>.json` (sorted keys) and the brief's cover at two sizes
with the brief's other outputs, in the same atomic write, and the build record counts them as
outputs: an up-to-date brief keeps its entry. The site is made from these files alone, so the
output folders of several builds can be merged and the site made again.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from report.content.model import people
from report.render.prepared import PreparedBrief
from report.render.templates import plain_text
from report.shelf import ENTRY_FORMAT, FILE_NAMES, SHELF_FOLDER
from report.version import __version__

COVER_SIZE = (600, 900)  # the catalog's cover image (OPDS image link)
THUMBNAIL_SIZE = (240, 360)  # the index's thumbnail: 120 x 180 CSS pixels, sharp at 2x
SUMMARY_CHARACTERS = 240


def entry_files(prepared: PreparedBrief, formats: tuple[str, ...]) -> dict[str, bytes]:
    """The entry of one brief and its cover images, by path in the output folder."""
    stem = prepared.source.stem
    cover = _cover_jpeg(prepared)
    files = {
        f"{SHELF_FOLDER}/{stem}.json": entry_json(entry(prepared, formats)),
        f"{SHELF_FOLDER}/{stem}.cover.jpg": cover[0],
        f"{SHELF_FOLDER}/{stem}.thumb.jpg": cover[1],
    }
    return files


def entry_json(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()


def entry(prepared: PreparedBrief, formats: tuple[str, ...]) -> dict[str, Any]:
    """What the shelf needs about one brief, in its own language."""
    brief, templates, stem = prepared.brief, prepared.templates, prepared.source.stem
    series = brief.series
    return {
        "format": ENTRY_FORMAT,
        "version": __version__,
        "stem": stem,
        "title": brief.title,
        "short_title": brief.short_title,
        "type": brief.type or templates.labels["document_type"],
        "label": templates.cover_label(brief),
        "series": series.name if series else None,
        "series_number": str(series.number) if series and series.number is not None else None,
        "date": brief.edition.date.isoformat(),
        "edition": brief.edition.number,
        "edition_line": templates.edition_line(brief),
        "language": brief.edition.language,
        "summary": one_line(plain_text(brief.lead)),
        "authors": [person.name for person in people(brief)],
        "publisher": brief.publisher,
        "identifier": brief.edition.identifier,
        "files": {
            fmt: name.format(stem=stem) for fmt, name in FILE_NAMES.items() if fmt in formats
        },
        "previous": Path(brief.previous).stem if brief.previous else None,
        "changes": "changes" if prepared.changes is not None else None,
    }


def one_line(text: str) -> str:
    """The first sentence of a text on one line, cut at a word past SUMMARY_CHARACTERS."""
    text = " ".join(text.split())
    first = re.match(r".+?[.!?…](?=\s|$)", text)
    line = first.group(0) if first else text
    if len(line) <= SUMMARY_CHARACTERS:
        return line
    cut = line[:SUMMARY_CHARACTERS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:–—- ") + "…"


def _cover_jpeg(prepared: PreparedBrief) -> tuple[bytes, bytes]:
    """The cover the EPUB carries, as the catalog's cover and the index's thumbnail (JPEG:
    a fifth of a PNG's size for a drawn page, and the same bytes from the same cover)."""
    from PIL import Image

    from report.render.epub_edition import cover_image

    with Image.open(io.BytesIO(cover_image(prepared))) as image:
        image = image.convert("RGB")
        return tuple(  # type: ignore[return-value]
            _jpeg(image.resize(size, Image.Resampling.LANCZOS))
            for size in (COVER_SIZE, THUMBNAIL_SIZE)
        )


def _jpeg(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()
