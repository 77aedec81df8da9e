"""Tables, figures and charts: their anchors and numbers, their data, and the checks that need
the files they name (each problem at its line, in the content file or in the data file)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from report.content.figures import (
    Chart,
    ChartContent,
    Figure,
    Table,
    TableContent,
    numbered_content,
)
from report.content.model import (
    Box,
    Brief,
    Heading,
    Placed,
    Section,
    all_sections,
    placed_blocks,
)
from report.content.paths import checked_image_path, in_content_folder
from report.content.tabular import header_width, lay_out, read_csv
from report.content.yaml_reader import key_node_at, location, node_at
from report.errors import AssetError


@dataclass(frozen=True)
class Numbered:
    """A table, figure (charts are figures) or numbered box with its place in the brief."""

    anchor: str  # its id, or one made of its section's id and its place there
    kind: str  # "table", "figure" or "box"
    number: int  # through the document, per kind
    section: Section
    block: Table | Figure | Chart | Box


def block_anchor(placed: Placed) -> str:
    """The anchor of a block: its own id, or `<section id>-<place>` (1-based, as the
    templates write it)."""
    return _own_id(placed.block) or placed.anchor


@dataclass(frozen=True)
class SubHeading:
    """A heading inside a section, with its place."""

    anchor: str
    level: int
    text: str
    section: Section


def sub_headings(brief: Brief) -> list[SubHeading]:
    """Every sub-heading of the brief, in reading order."""
    return [
        SubHeading(block_anchor(placed), placed.block.level, placed.block.heading, placed.section)
        for placed in placed_blocks(brief)
        if isinstance(placed.block, Heading)
    ]


def numbered_blocks(brief: Brief) -> list[Numbered]:
    """Every table, figure and numbered box of the brief in reading order, numbered per kind."""
    counts = {"table": 0, "figure": 0, "box": 0}
    found = []
    for placed in placed_blocks(brief):
        block = placed.block
        if isinstance(block, Box) and not block.box.numbered:
            continue
        if isinstance(block, Table | Figure | Chart | Box):
            kind = "table" if isinstance(block, Table) else "figure"
            kind = "box" if isinstance(block, Box) else kind
            counts[kind] += 1
            found.append(Numbered(block_anchor(placed), kind, counts[kind], placed.section, block))
    return found


def target_ids(brief: Brief) -> set[str]:
    """The ids a link may point at: sections, headings, boxes, tables, figures and charts."""
    return (
        {section.id for section in all_sections(brief)}
        | {item.anchor for item in numbered_blocks(brief)}
        | {heading.anchor for heading in sub_headings(brief)}
        | {block_anchor(box) for box in titled_boxes(brief)}
    )


def titled_boxes(brief: Brief) -> list[Placed]:
    """The boxes a link may name by their title: those with an id and no number."""
    return [
        placed
        for placed in placed_blocks(brief)
        if isinstance(placed.block, Box) and placed.block.box.id and not placed.block.box.numbered
    ]


def data_name(block: object) -> str | None:
    """The CSV file a table (`csv:`) or chart (`data:`) reads, as written; None for the rest."""
    content = numbered_content(block)
    return getattr(content, "csv", None) or getattr(content, "data", None)


def data_path(source: Path, name: str) -> Path:
    """A data file named by a table or chart, resolved inside the content folder."""
    return in_content_folder(source, name, "data file")


def csv_rows(source: Path, name: str) -> list[list[str]]:
    """The rows of a table's or chart's CSV file, titles first (checked: see read_csv)."""
    return read_csv(data_path(source, name), str(source.parent / name))


def table_rows(source: Path, table: TableContent) -> tuple[list[str], list[list[Any]]]:
    """A table's column titles (for a CSV) or [] and its body rows, as cells."""
    if table.csv:
        titles, *rows = csv_rows(source, table.csv)
        return titles, list(rows)
    return [], list(table.rows or [])


_PLAIN_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")


def chart_data(source: Path, chart: ChartContent) -> list[dict[str, Any]]:
    """A chart's data as rows of field -> value; numbers in a CSV become numbers."""
    if chart.values is not None:
        return [dict(row) for row in chart.values]
    titles, *rows = csv_rows(source, chart.data or "")
    return [{title: _value(cell) for title, cell in zip(titles, row, strict=True)} for row in rows]


def _value(cell: str) -> Any:
    if not cell:
        return None
    if _PLAIN_NUMBER.fullmatch(cell):
        return float(cell) if "." in cell else int(cell)
    return cell


def numbered_problems(path: Path, root: yaml.Node, brief: Brief) -> Iterator[str]:
    """Check each table, figure and chart against its files, and every id for repeats."""
    yield from _duplicate_ids(path, root, brief)
    for placed in placed_blocks(brief):
        block = placed.block
        at = (*placed.keys, getattr(block, "kind", ""))
        if isinstance(block, Table):
            yield from _table_problems(path, root, at, block.table)
        elif isinstance(block, Figure):
            yield from _figure_problems(path, root, at, block)
        elif isinstance(block, Chart):
            yield from _chart_problems(path, root, at, block.chart)


def _where(path: Path, root: yaml.Node, *keys: str | int) -> str:
    node = node_at(root, *keys)
    return location(path, node.start_mark if node is not None else None)


def _duplicate_ids(path: Path, root: yaml.Node, brief: Brief) -> Iterator[str]:
    """An id names one thing in the outputs: the ids the author gives (sections, tables,
    figures, charts) must differ from each other and from every id the templates make from them
    (a section's title, a block's place, a table's caption, a chart's data)."""
    owner: dict[str, str] = {}
    for html_id, what, keys in _document_ids(brief):
        if html_id in owner:
            where = _where(path, root, *keys)
            yield (
                f"{where}: the id {html_id!r} (of {what}) is also the id of {owner[html_id]}; "
                "choose another"
            )
        owner.setdefault(html_id, what)


# Where the author wrote the id, or the section id a made one comes from.
IdKeys = tuple[str | int, ...]


def _document_ids(brief: Brief) -> Iterator[tuple[str, str, IdKeys]]:
    """Every id the templates write for the brief's sections and blocks: the id, what it
    belongs to, and where the author wrote it (for ids the author gave)."""
    current = None
    for placed in placed_blocks(brief):
        section, block = placed.section, placed.block
        name = f"section {section.id!r}"
        section_keys: IdKeys = (*placed.keys[:2], "id")
        if section is not current:
            current = section
            yield section.id, name, section_keys
            yield f"{section.id}-title", f"the title of {name}", section_keys
        own = _own_id(block)
        # `id:` sits beside `heading:`, and inside the others' mappings
        keys = (
            (*placed.keys, "id") if isinstance(block, Heading) else (*placed.keys, block.kind, "id")
        )
        anchor = own or placed.anchor
        what = f"block {placed.place} of {name}"
        made_keys = keys if own else section_keys
        yield anchor, what, made_keys
        for suffix in _made_from_anchor(block):
            yield f"{anchor}-{suffix}", f"{what} ({suffix})", made_keys
        items = getattr(getattr(block, "list", None), "items", None) or getattr(
            block, "entries", []
        )
        for item in range(1, len(items) + 1):
            yield f"{placed.anchor}-{item}", f"item {item} of {what}", section_keys
        if block.kind == "timeline":
            yield f"{section.id}-timeline-{placed.place}", what, section_keys


def _made_from_anchor(block: object) -> tuple[str, ...]:
    """The ids a table's or chart's templates make from its anchor."""
    if isinstance(block, Table):
        return ("caption",)
    if isinstance(block, Chart):
        return ("data", "data-caption")
    if isinstance(block, Box):
        return ("title",)
    return ()


def _own_id(block: object) -> str | None:
    """The id a heading, box, table, figure or chart is given in the file, if any."""
    if isinstance(block, Heading):
        return block.id
    if isinstance(block, Box):
        return block.box.id
    content = numbered_content(block)
    return content.id if content else None


def _table_problems(
    path: Path, root: yaml.Node, at: tuple[str | int, ...], table: TableContent
) -> Iterator[str]:
    here = _where(path, root, *at)
    if (table.rows is None) == (table.csv is None):
        yield f"{here}: a table needs either rows: (written here) or csv: (a file), not both"
        return
    if table.csv:
        if table.columns:
            where = _where(path, root, *at, "columns")
            yield (
                f"{where}: csv: takes its column titles from the file's first row; "
                "leave out columns:"
            )
        try:
            csv_rows(path, table.csv)
        except AssetError as err:
            yield _located(path, root, (*at, "csv"), err)
        return
    if not table.columns:
        yield f"{here}: rows: need columns: (each column's title)"
        return
    _, problems = lay_out(list(table.rows or []), header_width(table))
    for problem in problems:
        yield f"{_where(path, root, *at, 'rows', problem.row)}: {problem.message}"


def _located(path: Path, root: yaml.Node, keys: tuple[str | int, ...], err: AssetError) -> str:
    """A data file's problem: where the file says (`data.csv:7: ...`), else at its key."""
    message = str(err)
    if re.match(r"^\S+\.csv(:\d+)?: ", message):
        return message
    return f"{_where(path, root, *keys)}: {message}"


def _figure_problems(
    path: Path, root: yaml.Node, at: tuple[str | int, ...], figure: Figure
) -> Iterator[str]:
    try:
        checked_image_path(path, figure.figure.image)
    except AssetError as err:
        yield f"{_where(path, root, *at, 'image')}: {err}"


def _chart_problems(
    path: Path, root: yaml.Node, at: tuple[str | int, ...], chart: ChartContent
) -> Iterator[str]:
    from report.content.chartspec import spec_problems

    if (chart.data is None) == (chart.values is None):
        where = _where(path, root, *at)
        yield f"{where}: a chart needs either data: (a CSV file) or values:, not both"
        return
    try:
        rows = chart_data(path, chart)
    except AssetError as err:
        yield _located(path, root, (*at, "data"), err)
        return
    fields = list(dict.fromkeys(name for row in rows for name in row))  # in the data's order
    for keys, message in spec_problems(chart.spec, fields):
        node = node_at(root, *at, "spec", *keys)
        if keys and node is None:  # a key the spec lacks: point at its parent
            node = node_at(root, *at, "spec", *keys[:-1])
        key = key_node_at(root, *at, "spec", *keys) if keys else None
        mark = (key if key is not None else node).start_mark if (key or node) else None
        yield f"{location(path, mark)}: spec.{'.'.join(map(str, keys)) or ''}: {message}".replace(
            "spec.: ", "spec: "
        )
