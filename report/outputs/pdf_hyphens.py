"""Whole words in the PDF's text layer where the layout hyphenated them.

WeasyPrint draws an automatic hyphen as a real glyph (U+2010 by default), so text copied or
extracted from the PDF reads "coopera‐" / "tion" and search for "cooperation" fails. The page must
keep its visible hyphen, so the glyphs stay; what changes is the text they stand for, through
`/ActualText` marked content (PDF 32000-1, 14.9.4), which text extractors and screen readers use
instead of the glyphs' own Unicode:

- the line-end fragment ("coopera‐") gets ActualText "cooperation";
- the next line's leading fragment ("tion") gets ActualText " ": an empty one would be truer,
  but PDFium (Chrome's viewer, pypdfium2) ignores an empty ActualText and reads the glyphs, and
  a space is what poppler drops at a line start anyway.

Each span sits inside the marked-content sequence WeasyPrint gives every text box (`/Span
<</MCID n>> BDC ... EMC`), so the structure tree is untouched and nesting stays valid for PDF/UA.

Two passes, because neither side knows everything: the layout knows which line ends were
hyphenated by WeasyPrint and what the whole word is (`find_breaks`, after `render()`); the content
streams, edited before the PDF is written (`keep_words_whole`, in the finisher), know the glyphs.
They meet on each text box's text, decoded from its glyphs through the fonts' Unicode maps.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from array import array
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any

SOFT_HYPHEN = "\xad"
TJ_TOKEN = re.compile(rb"<([0-9a-fA-F]*)>|([^<>\s\[\]]+)")
HEX_RUN = re.compile(rb"<([0-9a-fA-F]*)>")


@dataclass
class MarkedBox:
    """A text box whose glyphs need ActualText: the end of a hyphenated line (`head`), the start
    of the line after one (`tail`), or both (a line that starts and ends inside words)."""

    text: str  # the box's whole text, as drawn, to find its glyphs in the content stream
    tail: str = ""  # the rest of a hyphenated word ("tion"): to be read as a space
    head: str = ""  # the line-end fragment with its hyphen ("coopera‐") ...
    word: str = ""  # ... to be read as the whole word ("cooperation")


# The layout side: which boxes end and continue a hyphenated word.


def find_breaks(document: Any) -> list[MarkedBox]:
    """The text boxes around every line end that WeasyPrint hyphenated, in document order."""
    marks: dict[int, MarkedBox] = {}  # by id() of the box: a box can be a tail and a head
    waiting: dict[int, tuple[Any, str]] = {}  # by id() of the block: its hyphenated line's end
    texts: dict[int, str] = {}
    for line in _lines(document):
        boxes = [box for box in _text_boxes(line) if box.text.strip()]
        if not boxes:
            continue
        block = id(line.element)
        if block in waiting:
            head_box, head = waiting.pop(block)
            tail = _leading_word(boxes[0].text)
            word = (head + tail).replace(SOFT_HYPHEN, "")
            if tail and _in_source(word, line.element, texts):
                head_mark = _mark(marks, head_box)
                head_mark.head = head + head_box.style["hyphenate_character"]
                head_mark.word = word
                _mark(marks, boxes[0]).tail = tail
        last = boxes[-1]
        hyphen = last.style["hyphenate_character"]
        if hyphen and last.text.endswith(hyphen):
            head = _trailing_word(last.text[: -len(hyphen)])
            if head:
                waiting[block] = (last, head)
    return [mark for mark in marks.values() if mark.word or mark.tail]


def _mark(marks: dict[int, MarkedBox], box: Any) -> MarkedBox:
    return marks.setdefault(id(box), MarkedBox(box.text))


def _lines(document: Any) -> Iterator[Any]:
    """Every line box of every page, in document order. (WeasyPrint has no public way to reach a
    page's boxes: `_page_box` is what its own drawing starts from.)"""
    from weasyprint.formatting_structure.boxes import LineBox

    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, LineBox):
                yield box


def _text_boxes(box: Any) -> Iterator[Any]:
    """The text boxes of one line, in order, through inline boxes (not into inline blocks,
    whose lines are lines of their own)."""
    from weasyprint.formatting_structure.boxes import InlineBox, LineBox, TextBox

    for child in getattr(box, "children", ()):
        if isinstance(child, TextBox):
            yield child
        elif isinstance(child, (InlineBox, LineBox)):
            yield from _text_boxes(child)


def _is_word_character(character: str) -> bool:
    return character == SOFT_HYPHEN or unicodedata.category(character)[0] in "LMN"


def _trailing_word(text: str) -> str:
    end = len(text)
    while end and _is_word_character(text[end - 1]):
        end -= 1
    return text[end:]


def _leading_word(text: str) -> str:
    """The rest of the word a line starts with, with what is set close after it ("gramme," or
    "tries."): so the punctuation follows the whole word, not the start of the next line."""
    words = text.split(maxsplit=1)
    if not words or not _is_word_character(words[0][0]):
        return ""
    return words[0]


def _in_source(word: str, element: Any, texts: dict[int, str]) -> bool:
    """Whether the joined word is in the element's own text: a hyphen the author typed at a line
    end ("pre‐" before "and") joins nothing and must stay in the text."""
    if element is None:
        return False
    key = id(element)
    if key not in texts:
        texts[key] = "".join(element.itertext()).replace(SOFT_HYPHEN, "").casefold()
    return word.casefold() in texts[key]


# The content-stream side: wrap the glyphs of those boxes in ActualText spans.


@dataclass
class _Show:
    """One `[...] TJ` operation: its place in the stream and its glyphs and adjustments."""

    index: int
    items: list[bytes | int]  # a glyph id (int) or a position adjustment (bytes, as written)
    bitmap: bool  # 2 hex digits a glyph rather than 4
    to_unicode: dict[int, str]


def keep_words_whole(pdf: Any, fonts: dict[Any, Any], marks: list[MarkedBox]) -> None:
    """Give the marked boxes' glyphs their ActualText in every content stream of the PDF (pages
    and the groups drawn into them: WeasyPrint's own Stream class, unlike fonts, images and
    metadata, which are plain pydyf streams)."""
    from weasyprint.pdf.stream import Stream

    if not marks:
        return
    by_text: dict[str, deque[MarkedBox]] = defaultdict(deque)
    for mark in marks:
        by_text[_key(mark.text)].append(mark)
    by_name = {font.hash: font for font in fonts.values()}
    for item in pdf.objects:
        if isinstance(item, Stream):
            _mark_stream(item.stream, by_name, by_text)


def _key(text: str) -> str:
    """A box's text as its glyphs give it back: no spaces, no soft hyphens."""
    return "".join(text.split()).replace(SOFT_HYPHEN, "")


def _mark_stream(
    operations: list[Any], fonts: dict[str, Any], by_text: dict[str, deque[MarkedBox]]
) -> None:
    edits: list[tuple[int, list[Any]]] = []
    for texts in _marked_texts(operations, fonts):
        queue = by_text.get(_key("".join(_decode(operation, font) for _, operation, font in texts)))
        if queue:
            shows = [_parse_show(*text) for text in texts]  # slower: only for the boxes marked
            edits += _span_edits(shows, queue.popleft())
    for index, replacement in sorted(edits, key=lambda edit: edit[0], reverse=True):
        operations[index : index + 1] = replacement


def _marked_texts(
    operations: list[Any], fonts: dict[str, Any]
) -> Iterator[list[tuple[int, bytes, Any]]]:
    """The text operations of each outermost marked-content sequence with an MCID (one text box
    each, as WeasyPrint tags them): where each is, and the font it is set in."""
    font_stack: list[Any] = [None]
    depth, shows = 0, None
    for index, operation in enumerate(operations):
        if not isinstance(operation, bytes):
            continue
        if operation == b"q":
            font_stack.append(font_stack[-1])
        elif operation == b"Q" and len(font_stack) > 1:
            font_stack.pop()
        elif operation.endswith(b" Tf"):
            font_stack[-1] = fonts.get(operation[1:].split()[0].decode())
        elif operation == b"BDC" or operation == b"BMC":
            depth += 1
            if depth == 1 and _has_mcid(operations, index):
                shows = []
        elif operation == b"EMC":
            depth -= 1
            if depth == 0 and shows is not None:
                if shows:
                    yield shows
                shows = None
        elif operation.endswith(b"TJ") and shows is not None and font_stack[-1] is not None:
            shows.append((index, operation, font_stack[-1]))


def _has_mcid(operations: list[Any], index: int) -> bool:
    properties = operations[index - 1] if index else None
    return isinstance(properties, dict) and "MCID" in properties


def _parse_show(index: int, operation: bytes, font: Any) -> _Show:
    width = 2 if font.bitmap else 4
    items: list[bytes | int] = []
    for glyphs, adjustment in TJ_TOKEN.findall(operation[: -len(b"TJ")]):
        if adjustment:
            items.append(adjustment)
        else:
            items += [int(glyphs[at : at + width], 16) for at in range(0, len(glyphs), width)]
    return _Show(index, items, font.bitmap, font.to_unicode)


def _decode(operation: bytes, font: Any) -> str:
    """The text a TJ operation shows, quickly: every text box of the PDF is read so."""
    data = bytes.fromhex(b"".join(HEX_RUN.findall(operation)).decode("ascii"))
    glyphs: bytes | array[int] = data
    if not font.bitmap:
        glyphs = array("H", data)  # 2 bytes a glyph, big-endian in the PDF
        if sys.byteorder == "little":
            glyphs.byteswap()
    return "".join(map(font.to_unicode.get, glyphs, repeat("")))


def _glyphs(shows: list[_Show]) -> list[tuple[int, int, str]]:
    """Every glyph of a box: which operation, which item, and the text it stands for."""
    return [
        (number, position, show.to_unicode.get(item, ""))
        for number, show in enumerate(shows)
        for position, item in enumerate(show.items)
        if isinstance(item, int)
    ]


def _span_edits(shows: list[_Show], mark: MarkedBox) -> list[tuple[int, list[Any]]]:
    """The stream edits that wrap the box's fragments in ActualText spans."""
    glyphs = _glyphs(shows)
    cuts: dict[tuple[int, int], list[bytes]] = defaultdict(list)  # (show, item) -> inserted
    tail_end = _spelled_by(glyphs, mark.tail) if mark.tail else 0
    head_length = _spelled_by(glyphs[::-1], mark.head, backwards=True) if mark.head else 0
    if tail_end is None or head_length is None or tail_end + head_length > len(glyphs):
        return []  # the glyphs do not spell the fragments: leave this box as it is
    head_start = len(glyphs) - head_length
    if mark.tail:
        cuts[glyphs[0][:2]].append(_begin(" "))  # not "": see the module's docstring
        cuts[_after(shows, glyphs, tail_end)].insert(0, b"EMC")
    if mark.head:
        cuts[glyphs[head_start][:2]].append(_begin(mark.word))
        cuts[(len(shows) - 1, len(shows[-1].items))].insert(0, b"EMC")
    touched = {number for number, _ in cuts}
    return [(shows[number].index, _split(shows[number], number, cuts)) for number in touched]


def _spelled_by(
    glyphs: list[tuple[int, int, str]], fragment: str, backwards: bool = False
) -> int | None:
    """How many glyphs, from the first of `glyphs`, spell `fragment` (read backwards: the glyphs
    are given last first), or None if no count does."""
    wanted, found = _key(fragment), ""
    for count, (_, _, text) in enumerate(glyphs, start=1):
        found = _key(text) + found if backwards else found + _key(text)
        if found == wanted:
            return count
        if len(found) > len(wanted):
            return None
    return None


def _after(shows: list[_Show], glyphs: list[tuple[int, int, str]], count: int) -> tuple[int, int]:
    """The place just after the first `count` glyphs: before the next glyph, or at the end."""
    if count < len(glyphs):
        return glyphs[count][:2]
    return (len(shows) - 1, len(shows[-1].items))


def _begin(text: str) -> bytes:
    """A span whose text is `text` (UTF-16BE with its byte-order mark, as PDF text strings)."""
    encoded = ("\ufeff" + text).encode("utf-16-be").hex().upper()
    return b"/Span <</ActualText <" + encoded.encode() + b">>> BDC"


def _split(show: _Show, number: int, cuts: dict[tuple[int, int], list[bytes]]) -> list[bytes]:
    """One TJ operation cut where spans begin and end, the span operators in between. The pieces
    draw exactly what the whole did: TJ moves the text position glyph by glyph, so two TJ in a row
    continue where the first stopped."""
    pieces: list[bytes] = []
    start = 0
    for position in range(len(show.items) + 1):
        inserted = cuts.get((number, position))
        if inserted:
            if position > start:
                pieces.append(_show_operation(show, show.items[start:position]))
            pieces += inserted
            start = position
    if start < len(show.items):
        pieces.append(_show_operation(show, show.items[start:]))
    return pieces


def _show_operation(show: _Show, items: Iterable[bytes | int]) -> bytes:
    glyph = "{:02x}" if show.bitmap else "{:04x}"
    parts: list[bytes] = []
    run = ""
    for item in items:
        if isinstance(item, int):
            run += glyph.format(item)
            continue
        if run:
            parts.append(b"<" + run.encode() + b">")
            run = ""
        parts.append(item)
    if run:
        parts.append(b"<" + run.encode() + b">")
    return b"[" + b"".join(_spaced(parts)) + b"] TJ"


def _spaced(parts: list[bytes]) -> Iterator[bytes]:
    """Adjacent numbers need a space between them; strings and numbers do not."""
    previous = b"<"
    for part in parts:
        if not part.startswith(b"<") and not previous.startswith(b"<"):
            yield b" "
        yield part
        previous = part


@dataclass(frozen=True)
class HyphenatedLine:
    """A line the layout ended with an automatic hyphen: the element it belongs to and whether
    the line before it in that element ended so too."""

    element: Any  # the html5lib element (tag, attributes) the line's block was made from
    text: str  # the line's last text, hyphen included
    after_another: int  # how many lines of the same element just before it were hyphenated


def hyphenated_lines(document: Any) -> list[HyphenatedLine]:
    """Every line end WeasyPrint hyphenated, in document order, for checks of the hyphenation
    policy (docs/design.md): where it happens and how many in a row."""
    found = []
    run: dict[int, int] = defaultdict(int)  # by id() of the block: hyphenated lines in a row
    for line in _lines(document):
        boxes = [box for box in _text_boxes(line) if box.text.strip()]
        if not boxes:
            continue
        block, last = id(line.element), boxes[-1]
        hyphen = last.style["hyphenate_character"]
        if hyphen and last.text.endswith(hyphen) and _trailing_word(last.text[: -len(hyphen)]):
            found.append(HyphenatedLine(line.element, last.text, run[block]))
            run[block] += 1
        else:
            run[block] = 0
    return found
