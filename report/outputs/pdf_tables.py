"""Table header cells in the PDF's structure tree, as PDF/UA asks for them.

WeasyPrint tags tables (Table, THead, TBody, TR, TH, TD) and links each data cell to header
cells, but it writes no `Scope`, and it links a header that spans columns (a group's title over
two years) only to the first of them. This pass, run on the PDF's objects before they are
written, gives every TH its scope and every TD the headers above it and beside it, spans
followed in both directions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

GROUPS = ("/THead", "/TBody", "/TFoot")


def tag_table_headers(pdf: Any) -> None:
    """Set `Scope` on every TH and `Headers` on every TD of every table in the PDF."""
    import pydyf

    elements = {
        item.number: item
        for item in pdf.objects
        if isinstance(item, dict) and item.get("Type") == "/StructElem"
    }
    for table in (element for element in elements.values() if element.get("S") == "/Table"):
        rows = list(_rows(table, elements))
        places = _places(rows, elements)
        column_headers = [
            (cell, place)
            for cell, place, group in places
            if cell.get("S") == "/TH" and group == "/THead"
        ]
        row_headers = [
            (cell, place)
            for cell, place, group in places
            if cell.get("S") == "/TH" and group != "/THead"
        ]
        for cell, _ in column_headers:
            cell.setdefault("A", pydyf.Dictionary({"O": "/Table"}))["Scope"] = "/Column"
        for cell, _ in row_headers:
            cell.setdefault("A", pydyf.Dictionary({"O": "/Table"}))["Scope"] = "/Row"
        for cell, place, _ in places:
            if cell.get("S") != "/TD":
                continue
            ids = [
                header["ID"]
                for header, other in column_headers
                if "ID" in header and _overlap(place.columns, other.columns)
            ]
            ids += [
                header["ID"]
                for header, other in row_headers
                if "ID" in header and _overlap(place.rows, other.rows)
            ]
            cell.setdefault("A", pydyf.Dictionary({"O": "/Table"}))["Headers"] = pydyf.Array(ids)


class _Place:
    """Where a cell sits in its table's grid: the rows and columns it covers."""

    def __init__(self, row: int, column: int, rowspan: int, colspan: int) -> None:
        self.rows = range(row, row + rowspan)
        self.columns = range(column, column + colspan)


def _overlap(first: range, second: range) -> bool:
    return first.start < second.stop and second.start < first.stop


def _children(element: Any, elements: dict[int, Any]) -> Iterator[Any]:
    kids = element.get("K")
    for kid in kids if isinstance(kids, list) else []:
        # pydyf writes a reference as b"12 0 R"; the other kids are content (numbers, dicts).
        if isinstance(kid, bytes) and kid.endswith(b" R"):
            child = elements.get(int(kid.split()[0]))
            if child is not None:
                yield child


def _rows(table: Any, elements: dict[int, Any]) -> Iterator[tuple[Any, str]]:
    """Each row of a table with the group it is in (/THead, /TBody, ...), in order."""
    for child in _children(table, elements):
        if child.get("S") in GROUPS:
            for row in _children(child, elements):
                if row.get("S") == "/TR":
                    yield row, child.get("S")
        elif child.get("S") == "/TR":
            yield child, "/TBody"


def _places(rows: list[tuple[Any, str]], elements: dict[int, Any]) -> list[tuple[Any, _Place, str]]:
    """Place each cell in the grid, following row and column spans, as HTML tables do."""
    taken: set[tuple[int, int]] = set()
    places = []
    for row_number, (row, group) in enumerate(rows):
        column = 0
        for cell in _children(row, elements):
            if cell.get("S") not in ("/TH", "/TD"):
                continue
            while (row_number, column) in taken:
                column += 1
            attributes = cell.get("A") or {}
            colspan, rowspan = int(attributes.get("ColSpan", 1)), int(attributes.get("RowSpan", 1))
            place = _Place(row_number, column, rowspan, colspan)
            taken.update((r, c) for r in place.rows for c in place.columns)
            places.append((cell, place, group))
            column += colspan
    return places
