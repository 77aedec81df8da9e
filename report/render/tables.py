"""Tables as the templates set them: header rows with groups and units, body cells with their
spans, alignment and row headers, and the same for a chart's data."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from report.content.figures import TableContent
from report.content.numbered import table_rows
from report.content.tabular import GridCell, decimal_padding, lay_out, numeric_column

SHORT_ROWS = 12  # a table this short is kept on one page with its caption
LANDSCAPE_COLUMNS = 8  # a wide table with this many columns gets a landscape page in the PDF


@dataclass(frozen=True)
class HeadCell:
    """A column title: `scope` is "col", or "colgroup" for a group's title."""

    text: str
    unit: str | None = None
    colspan: int = 1
    rowspan: int = 1
    align: str = "left"
    scope: str = "col"
    column: int = 0  # the first column it stands over


@dataclass(frozen=True)
class BodyCell:
    """A cell of the table's body; `pad` lines decimals up in a decimal-aligned column."""

    text: str
    colspan: int = 1
    rowspan: int = 1
    align: str = "left"
    row_header: bool = False
    pad: str = ""


@dataclass(frozen=True)
class TableView:
    """A table ready for the templates."""

    head: list[list[HeadCell]]
    body: list[list[BodyCell]]
    columns: int
    markdown: bool = True  # cells written in the YAML are inline Markdown; a CSV's are data
    groups: tuple[int, ...] = ()  # the span of each top-level column, when columns are grouped

    @property
    def short(self) -> bool:
        """Whether the table is kept on one page with its caption."""
        return len(self.body) <= SHORT_ROWS

    @property
    def many_columns(self) -> bool:
        """Whether a wide table needs a landscape page in the PDF."""
        return self.columns >= LANDSCAPE_COLUMNS


@dataclass(frozen=True)
class _Column:
    title: str
    unit: str | None
    align: str | None


def table_view(source: Path, table: TableContent, decimal_mark: str) -> TableView:
    """Lay a table out for the templates (its rows were checked when it was loaded)."""
    titles, rows = table_rows(source, table)
    if titles:
        leaves = [_Column(title, None, None) for title in titles]
        head = [[HeadCell(title, column=index) for index, title in enumerate(titles)]]
    else:
        leaves, head = _written_header(table)
    grid, _ = lay_out(rows, len(leaves))
    view = _view(head, leaves, grid, decimal_mark)
    groups = tuple(len(column.columns or [column]) for column in table.columns or [])
    grouped = any(span > 1 for span in groups)
    return dataclasses.replace(
        view, markdown=not titles, groups=groups if grouped and not titles else ()
    )


def data_view(rows: Sequence[dict[str, Any]], decimal_mark: str) -> TableView:
    """A chart's data as a table: one column per field, in the order they first appear."""
    fields = list(dict.fromkeys(name for row in rows for name in row))
    cells = [[_shown(row.get(name), decimal_mark) for name in fields] for row in rows]
    grid, _ = lay_out(cells, len(fields))
    leaves = [_Column(name, None, None) for name in fields]
    head = [[HeadCell(name, column=index) for index, name in enumerate(fields)]]
    return dataclasses.replace(_view(head, leaves, grid, decimal_mark), markdown=False)


def _shown(value: Any, decimal_mark: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value).replace(".", decimal_mark)
    return str(value)


def _written_header(table: TableContent) -> tuple[list[_Column], list[list[HeadCell]]]:
    """The header of a table written in the file: one row, or two when columns are grouped."""
    columns = table.columns or []
    grouped = any(column.columns for column in columns)
    top: list[HeadCell] = []
    below: list[HeadCell] = []
    leaves: list[_Column] = []
    for column in columns:
        first = len(leaves)
        if column.columns:
            span = len(column.columns)
            top.append(HeadCell(column.title, column.unit, span, scope="colgroup", column=first))
            for leaf in column.columns:
                below.append(HeadCell(leaf.title, leaf.unit, column=len(leaves)))
                leaves.append(_Column(leaf.title, leaf.unit, leaf.align or column.align))
        else:
            rows = 2 if grouped else 1
            top.append(HeadCell(column.title, column.unit, rowspan=rows, column=first))
            leaves.append(_Column(column.title, column.unit, column.align))
    return leaves, [top, below] if grouped else [top]


def _view(
    head: list[list[HeadCell]], leaves: list[_Column], grid: list[list[GridCell]], mark: str
) -> TableView:
    """Align each column (numbers right, unless the column says otherwise) and mark the row
    headers: the first column, when it holds words."""
    texts = [
        [cell.text for row in grid for cell in row if cell.column == index]
        for index in range(len(leaves))
    ]
    numeric = [numeric_column(column) for column in texts]
    aligns = [
        ("right" if numeric[index] else "left") if leaf.align is None else leaf.align
        for index, leaf in enumerate(leaves)
    ]
    pads = {
        index: dict(zip(texts[index], decimal_padding(texts[index], mark), strict=True))
        for index, align in enumerate(aligns)
        if align == "decimal"
    }
    row_headers = len(leaves) > 1 and not numeric[0]
    body = [
        [
            BodyCell(
                cell.text,
                cell.colspan,
                cell.rowspan,
                "right" if aligns[cell.column] == "decimal" else aligns[cell.column],
                row_header=row_headers and cell.column == 0,
                pad=pads.get(cell.column, {}).get(cell.text, "") if cell.colspan == 1 else "",
            )
            for cell in row
        ]
        for row in grid
    ]
    head = [[_aligned(cell, aligns) for cell in row] for row in head]
    return TableView(head, body, len(leaves))


def _aligned(cell: HeadCell, aligns: list[str]) -> HeadCell:
    """A column title takes its column's alignment (a group's title is centred)."""
    align = "center" if cell.scope == "colgroup" else aligns[cell.column]
    return dataclasses.replace(cell, align="right" if align == "decimal" else align)
