"""BibTeX read into CSL-JSON items, each with the line it starts on.

Our own reader rather than citeproc-py's: that one locates no error, drops `url`, and expands
`\\newcommand` macros from `@preamble` (a file could make it recurse without end). Here no macro
is ever expanded: commands are dropped and their arguments kept as text, accents become
characters, and `@string` abbreviations are substituted once, as values.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from typing import Any

# BibTeX entry types, to CSL's.
TYPES = {
    "article": "article-journal",
    "book": "book",
    "booklet": "pamphlet",
    "conference": "paper-conference",
    "inbook": "chapter",
    "incollection": "chapter",
    "inproceedings": "paper-conference",
    "manual": "report",
    "mastersthesis": "thesis",
    "misc": "document",
    "online": "webpage",
    "phdthesis": "thesis",
    "proceedings": "book",
    "report": "report",
    "techreport": "report",
    "thesis": "thesis",
    "unpublished": "manuscript",
    "webpage": "webpage",
}
# BibTeX fields, to CSL's (author, editor, year, month, pages and the like are read apart).
FIELDS = {
    "title": "title",
    "booktitle": "container-title",
    "journal": "container-title",
    "journaltitle": "container-title",
    "chapter": "chapter-number",
    "doi": "DOI",
    "url": "URL",
    "isbn": "ISBN",
    "issn": "ISSN",
    "edition": "edition",
    "volume": "volume",
    "note": "note",
    "publisher": "publisher",
    "address": "publisher-place",
    "location": "publisher-place",
    "series": "collection-title",
    "type": "genre",
    "abstract": "abstract",
    "language": "language",
}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Accent commands and the combining character each stands for: \"o is ö.
ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
SYMBOLS = {
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "ss": "ß",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "&": "&",
    "%": "%",
    "$": "$",
    "_": "_",
    "#": "#",
    "{": "{",
    "}": "}",
    " ": " ",
    ",": "\u2009",
    "textendash": "–",
    "textemdash": "—",
}
_NAME = re.compile(r"[A-Za-z][\w:.+-]*")
_KEY = re.compile(r"[^\s,{}()\"'=#%~\\]+")


class BibError(Exception):
    """A problem at a position of the file."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(message)
        self.position = position


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [match.start() for match in re.finditer("\n", text)]
        self.pos = 0
        self.current = ""  # the entry being read, for its problems
        self.strings: dict[str, str] = {m: str(n) for n, m in enumerate(MONTHS, start=1)}

    def line(self, position: int) -> int:
        # by bisection over the line starts: counting from the top for each entry would make a
        # large file's reading quadratic
        return bisect.bisect_right(self.newlines, position - 1) + 1

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def expect(self, chars: str, what: str) -> str:
        self.skip_space()
        if self.pos >= len(self.text) or self.text[self.pos] not in chars:
            found = repr(self.text[self.pos]) if self.pos < len(self.text) else "the end of file"
            raise BibError(self.pos, f"expected {what}, found {found}")
        self.pos += 1
        return self.text[self.pos - 1]

    def word(self, pattern: re.Pattern[str], what: str) -> str:
        self.skip_space()
        match = pattern.match(self.text, self.pos)
        if not match:
            raise BibError(self.pos, f"expected {what}")
        self.pos = match.end()
        return match.group()

    def braced(self, opening: int) -> str:
        """The text of a `{...}` group whose `{` is at `opening`, braces inside kept."""
        depth, index = 0, opening
        while index < len(self.text):
            char = self.text[index]
            index += 2 if char == "\\" else 1  # \{ and \} are characters, not braces
            depth += (char == "{") - (char == "}")
            if depth == 0:
                self.pos = index
                return self.text[opening + 1 : index - 1]
        raise BibError(opening, "this { is never closed")

    def quoted(self) -> str:
        start, depth = self.pos, 0
        for index in range(start + 1, len(self.text)):
            char = self.text[index]
            depth += (char == "{") - (char == "}")
            if char == '"' and depth == 0 and self.text[index - 1] != "\\":
                self.pos = index + 1
                return self.text[start + 1 : index]
        raise BibError(start, 'this " is never closed')

    def value(self) -> str:
        """A field's value: parts joined with `#`, abbreviations replaced."""
        parts = []
        while True:
            self.skip_space()
            char = self.text[self.pos : self.pos + 1]
            if char == "{":
                parts.append(self.braced(self.pos))
            elif char == '"':
                parts.append(self.quoted())
            elif char.isdigit():
                parts.append(self.word(re.compile(r"\d+"), "a number"))
            else:
                start = self.pos
                name = self.word(_NAME, 'a value ({...}, "...", a number or an abbreviation)')
                if name.lower() not in self.strings:
                    raise BibError(start, f"unknown abbreviation {name!r} (no @string defines it)")
                parts.append(self.strings[name.lower()])
            self.skip_space()
            if self.text[self.pos : self.pos + 1] != "#":
                return "".join(parts)
            self.pos += 1

    def entry(self) -> tuple[str, str, dict[str, str]] | None:
        """Read one `@type{key, field = value, ...}` from the `@`; None for comments,
        preambles and @string definitions (which are kept)."""
        self.pos += 1
        kind = self.word(re.compile(r"[A-Za-z]+"), "an entry type after @").lower()
        opening = self.expect("{(", "{ after @" + kind)
        closing = "}" if opening == "{" else ")"
        if kind in ("comment", "preamble"):
            self.pos -= 1
            if opening == "{":
                self.braced(self.pos)
            else:
                self.pos = self.text.find(")", self.pos) + 1 or len(self.text)
            return None
        if kind == "string":
            name = self.word(_NAME, "an abbreviation's name")
            self.expect("=", "=")
            self.strings[name.lower()] = self.value()
            self.expect(closing, closing)
            return None
        key = self.word(_KEY, "the entry's citation key")
        self.current = f"@{kind}{{{key}}}"
        fields: dict[str, str] = {}
        while self.expect("," + closing, f", or {closing}") == ",":
            self.skip_space()
            if self.text[self.pos : self.pos + 1] == closing:
                self.pos += 1
                break
            name = self.word(_NAME, "a field name").lower()
            self.expect("=", f"= after {name}")
            fields[name] = self.value()
        return kind, key, fields


def parse_bibtex(text: str, path: str) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """Read a BibTeX file's entries as CSL-JSON items, each with its line; and its problems
    (`path:line: message`), after which the next entry is read."""
    reader = _Reader(text)
    items: list[tuple[int, dict[str, Any]]] = []
    problems: list[str] = []
    while (at := text.find("@", reader.pos)) >= 0:
        reader.pos, reader.current = at, ""
        try:
            found = reader.entry()
        except BibError as err:
            # An unclosed brace shows entries later: say which entry it was met in.
            entry = f"in {reader.current} (line {reader.line(at)}): " if reader.current else ""
            problems.append(f"{path}:{reader.line(err.position)}: {entry}{err}")
            reader.pos = _next_entry(text, max(err.position, at + 1))
            continue
        if found is None:
            continue
        kind, key, fields = found
        line = reader.line(at)
        if kind not in TYPES:
            known = ", ".join(sorted(TYPES))
            problems.append(f"{path}:{line}: @{kind}{{{key}}}: unknown entry type (known: {known})")
            continue
        items.append((line, to_csl(kind, key, fields)))
    return items, problems


def _next_entry(text: str, position: int) -> int:
    """Where to go on after a broken entry: the next `@` that starts a line."""
    match = re.compile(r"^\s*@", re.MULTILINE).search(text, position)
    return match.end() - 1 if match else len(text)


def to_csl(kind: str, key: str, fields: dict[str, str]) -> dict[str, Any]:
    """One BibTeX entry as a CSL-JSON item (checked afterwards like any other)."""
    item: dict[str, Any] = {"id": key, "type": TYPES[kind]}
    for name, value in fields.items():
        if name in ("author", "editor", "translator"):
            item[name] = [_name(part) for part in _split_names(value)]
        elif name in FIELDS:
            item[FIELDS[name]] = latex_text(value) if name not in ("url", "doi") else value.strip()
    if "number" in fields:
        item["number" if kind in ("techreport", "report") else "issue"] = latex_text(
            fields["number"]
        )
    if "pages" in fields:
        item["page"] = re.sub(r"\s*-+\s*", "-", fields["pages"].strip())
    publisher = fields.get("publisher") or fields.get("institution") or fields.get("school")
    publisher = publisher or fields.get("organization")
    if publisher:
        item["publisher"] = latex_text(publisher)
    if "howpublished" in fields:
        _how_published(item, fields["howpublished"])
    date = _issued(fields)
    if date is not None:
        item["issued"] = date
    if "urldate" in fields:
        item["accessed"] = fields["urldate"].strip()
    return item


def _how_published(item: dict[str, Any], value: str) -> None:
    url = re.fullmatch(r"\s*\\url\{(\S+)\}\s*", value) or re.fullmatch(r"\s*(https?://\S+)", value)
    if url:
        item.setdefault("URL", url.group(1))
    else:
        item.setdefault("medium", latex_text(value))


def _issued(fields: dict[str, str]) -> Any:
    if "date" in fields:
        return fields["date"].strip()  # biblatex's ISO date, read as a CSL date later
    year = fields.get("year", "").strip()
    if not year:
        return None
    if not year.isdigit():
        return {"literal": latex_text(year)}
    parts = [int(year)]
    month = fields.get("month", "").strip().lower()
    if month.isdigit() and 1 <= int(month) <= 12:
        parts.append(int(month))
    elif month[:3] in MONTHS:
        parts.append(MONTHS.index(month[:3]) + 1)
    return {"date-parts": [parts]}


def _split_names(value: str) -> list[str]:
    """Split `A and B and {C and D}` at the `and`s outside braces."""
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value, re.IGNORECASE):
        token = match.group()
        if token in "{}":
            depth += 1 if token == "{" else -1
        elif depth == 0:
            names.append(value[start : match.start()])
            start = match.end()
    names.append(value[start:])
    return [name.strip() for name in names if name.strip()]


def _name(text: str) -> dict[str, str]:
    """A BibTeX name as CSL's: `{NATO}` a literal, `Last, First` or `First Last`."""
    if text.startswith("{") and text.endswith("}") and _balanced(text[1:-1]):
        return {"literal": latex_text(text[1:-1])}
    parts = [latex_text(part) for part in _split_outside_braces(text, ",")]
    if len(parts) >= 2:
        name = {"family": parts[0], "given": parts[-1]}
        if len(parts) == 3:
            name["suffix"] = parts[1]
        return _particle(name)
    words = latex_text(text).split()
    if len(words) == 1:
        return {"family": words[0]}
    return _particle({"family": words[-1], "given": " ".join(words[:-1])})


def _particle(name: dict[str, str]) -> dict[str, str]:
    """`Ludwig van Beethoven`, `van Beethoven, Ludwig`: the lowercase words are a particle."""
    given = name["given"].split()
    family = name["family"].split()
    particle = [word for word in family[:-1] if word[:1].islower()]
    trailing = []
    while given and given[-1][:1].islower():
        trailing.insert(0, given.pop())
    if particle or trailing:
        name["non-dropping-particle"] = " ".join(trailing + particle)
        name["family"] = " ".join(word for word in family if word not in particle)
        name["given"] = " ".join(given)
    return {part: value for part, value in name.items() if value}


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0


def _split_outside_braces(text: str, separator: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        depth += (char == "{") - (char == "}")
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


_COMMAND = re.compile(r"\\(?:([A-Za-z]+)\s*|(.))", re.DOTALL)


def latex_text(value: str) -> str:
    """BibTeX text as plain text: accents as characters, commands dropped (their arguments
    kept), braces removed, `--` and `---` as dashes, `~` a no-break space."""
    out: list[str] = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\":
            match = _COMMAND.match(value, index)
            assert match is not None  # a backslash always matches `.`
            name = match.group(1) or match.group(2)
            index = match.end()
            if name in ACCENTS:
                base, index = _accented_base(value, index)
                out.append(unicodedata.normalize("NFC", base + ACCENTS[name]))
            elif name in SYMBOLS:
                out.append(SYMBOLS[name])
        elif char in "{}":
            index += 1
        elif char == "~":
            out.append("\u00a0")
            index += 1
        else:
            out.append(char)
            index += 1
    text = "".join(out).replace("---", "—").replace("--", "–")
    return re.sub(r"[ \t\r\n]+", " ", text).strip(" ")  # a no-break space stays


def _accented_base(value: str, index: int) -> tuple[str, int]:
    """The letter an accent command applies to: `\\"o`, `\\"{o}` or `\\c{c}`."""
    if value[index : index + 1] == "{":
        end = value.find("}", index)
        if end > index:
            # the letter without its braces and commands (`{\i}` is i), never read recursively:
            # a file of nested accents would otherwise exhaust the stack
            inner = re.sub(r"\\([ij])(?![A-Za-z])", r"\1", value[index + 1 : end])
            return re.sub(r"\\[A-Za-z]*|[{}\\\s]", "", inner), end + 1
    return value[index : index + 1], index + 1
