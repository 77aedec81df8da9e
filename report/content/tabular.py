"""Tables as grids: CSV files read with located errors, and rows with spanning cells laid out
column by column, so a row of the wrong width is found before anything renders."""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

from report.content.fields import MAX_TEXT, NOT_XML
from report.content.figures import MAX_COLUMNS, MAX_ROWS, SpanCell, TableContent
from report.errors import AssetError

MAX_CSV_BYTES = 2 * 1024 * 1024


def read_csv(path: Path, shown: str) -> list[list[str]]:
    """The rows of a CSV file, the column titles first; AssetError says `shown:line: what`.

    The file must be UTF-8 (a byte-order mark is allowed), every row as wide as the first, and
    every column titled. Empty lines are skipped.
    """
    stat = path.stat()
    return _read_csv_version(path, shown, stat.st_ino, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _read_csv_version(
    path: Path, shown: str, _inode: int, size: int, _mtime: int
) -> list[list[str]]:
    """Read one version of a CSV file once per process: the loader checks it, the outputs
    render it."""
    if size > MAX_CSV_BYTES:
        raise AssetError(
            f"{shown}: {size:,} bytes; a table's data may be at most {MAX_CSV_BYTES:,}"
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise AssetError(
            f"{shown}:{line}: not UTF-8 text ({err.reason}); save it as UTF-8"
        ) from err
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            _check_row(shown, reader.line_num, row, rows[0] if rows else None)
            rows.append([cell.strip() for cell in row])
            if len(rows) > MAX_ROWS + 1:
                raise AssetError(f"{shown}:{reader.line_num}: more than {MAX_ROWS} rows")
    except csv.Error as err:
        raise AssetError(f"{shown}:{reader.line_num}: not CSV ({err})") from err
    if not rows:
        raise AssetError(f"{shown}: empty; its first row holds the column titles")
    if len(rows) == 1:
        raise AssetError(f"{shown}: holds only the column titles; add rows of data")
    return rows


def _check_row(shown: str, line: int, row: list[str], header: list[str] | None) -> None:
    if header is None:
        if len(row) > MAX_COLUMNS:
            raise AssetError(f"{shown}:{line}: {len(row)} columns; at most {MAX_COLUMNS}")
        for number, title in enumerate(row, start=1):
            if not title.strip():
                raise AssetError(f"{shown}:{line}: column {number} has no title")
        seen = [title.strip() for title in row]
        for title in seen:
            if seen.count(title) > 1:
                raise AssetError(f"{shown}:{line}: two columns are titled {title!r}")
    elif len(row) != len(header):
        raise AssetError(f"{shown}:{line}: row has {len(row)} cells, the header has {len(header)}")
    for cell in row:
        if len(cell) > MAX_TEXT:
            raise AssetError(f"{shown}:{line}: a cell of {len(cell):,} characters")
        if match := NOT_XML.search(cell):
            raise AssetError(
                f"{shown}:{line}: contains the control character {match.group()!r}, "
                "which XML forbids"
            )


@dataclass(frozen=True)
class GridCell:
    """A cell placed in the table's grid."""

    text: str
    column: int  # index of the first column it covers
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class RowProblem:
    """A row that does not fit the grid: its index among the rows, and what is wrong."""

    row: int
    message: str


def lay_out(rows: list[list[object]], width: int) -> tuple[list[list[GridCell]], list[RowProblem]]:
    """Place each cell in the grid, following column and row spans; report each row that does
    not cover exactly `width` columns."""
    covered: dict[int, set[int]] = {}  # row index -> columns taken by cells from rows above
    grid: list[list[GridCell]] = []
    problems: list[RowProblem] = []
    for index, row in enumerate(rows):
        taken = covered.setdefault(index, set())
        placed: list[GridCell] = []
        column = 0
        for cell in row:
            while column in taken:
                column += 1
            span = cell if isinstance(cell, SpanCell) else None
            colspan, rowspan = (span.colspan, span.rowspan) if span else (1, 1)
            if taken & set(range(column, column + colspan)):
                problems.append(
                    RowProblem(index, "a cell spans columns a cell from a row above takes")
                )
            text = cell_text(cell)
            placed.append(GridCell(text, column, colspan, rowspan))
            for below in range(index, index + rowspan):
                covered.setdefault(below, set()).update(range(column, column + colspan))
            column += colspan
        grid.append(placed)
        cells = len(covered[index])
        if cells != width:
            spans = any(isinstance(cell, SpanCell) for cell in row) or len(row) != cells
            what = f"covers {cells} columns (spans counted)" if spans else f"has {cells} cells"
            problems.append(RowProblem(index, f"row {what}, the header has {width}"))
        elif max(covered[index]) >= width:
            problems.append(RowProblem(index, f"row reaches past the {width} columns"))
    for index in range(len(rows), max(covered, default=0) + 1):
        if covered.get(index):
            problems.append(RowProblem(len(rows) - 1, "a cell spans rows below the last row"))
            break
    return grid, problems


def cell_text(cell: object) -> str:
    """A cell's text, as written (numbers were handed over as text by the loader)."""
    value = cell.text if isinstance(cell, SpanCell) else cell
    return value if isinstance(value, str) else repr(value)


def header_width(table: TableContent) -> int:
    """How many columns a table written in the file has (grouped columns counted one by one)."""
    return sum(len(column.columns or [column]) for column in table.columns or [])


# A number as tables print them: 1,234.5  −3  12%  3,90 (a decimal comma)  1 234 (thin spaces).
_NUMBER = re.compile(r"[-−+]?(\d{1,3}([,  \u2009]\d{3})+|\d+)([.,]\d+)?\s?%?")
# What a table puts where there is no number: a dash, "n/a", two dots.
_NO_VALUE = re.compile(r"[-–—…]|\.\.|n/a|н/д", re.IGNORECASE)


def is_number(text: str) -> bool:
    """Whether a cell holds a number (or the mark of a missing one)."""
    text = text.strip()
    return bool(_NUMBER.fullmatch(text) or _NO_VALUE.fullmatch(text))


def numeric_column(texts: list[str]) -> bool:
    """Whether a column holds numbers only (at least one real number, no words)."""
    values = [text.strip() for text in texts if text.strip()]
    return any(_NUMBER.fullmatch(v) for v in values) and all(is_number(v) for v in values)


FIGURE_SPACE = "\u2007"  # as wide as a digit in tabular figures
PUNCTUATION_SPACE = "\u2008"  # as wide as the decimal point


def decimal_padding(texts: list[str], mark: str) -> list[str]:
    """What to add after each number so its decimal mark lines up with the others' when they
    are right-aligned in tabular figures: a punctuation space for a missing mark, figure spaces
    for missing decimals."""

    def decimals(text: str) -> int | None:
        text = text.strip().rstrip("%").rstrip()
        head, found, tail = text.rpartition(mark)
        return len(tail) if found and head and tail.isdigit() else None

    counts = [decimals(text) for text in texts]
    widest = max((count for count in counts if count is not None), default=None)
    if widest is None:
        return ["" for _ in texts]
    return [
        PUNCTUATION_SPACE + FIGURE_SPACE * widest
        if count is None
        else FIGURE_SPACE * (widest - count)
        for count in counts
    ]
