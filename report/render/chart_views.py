"""Charts as the templates set them: the SVG drawn in the edition's style, and its data as a
table for readers who cannot see it."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from markupsafe import Markup

from report.content.figures import Chart, ChartContent
from report.content.model import Brief, placed_blocks
from report.content.numbered import chart_data, csv_rows, numbered_blocks
from report.content.yaml_reader import location, node_at
from report.errors import ContentError
from report.render.charts import ChartStyle, chart_svg
from report.render.edition_fonts import family_stack
from report.render.fonts import extra_fonts
from report.render.tables import TableView, data_view
from report.render.templates import Templates

# The text column of the PDF, and the full width a `wide:` chart takes (see css/print.css).
TEXT_WIDTH_MM = 128
WIDE_WIDTH_MM = 168
# The document's font families (css/fonts.css) and the family names inside their files.
FONTS = {"sans": ("Brief Sans", "Inter"), "serif": ("Brief Serif", "Charis SIL")}


@dataclass(frozen=True)
class ChartView:
    """A drawn chart: inline SVG (EPUB, web), a data URL (PDF), and its data as a table."""

    svg: Markup
    data_url: str
    data: TableView


def draw_charts(
    source: Path, brief: Brief, document: yaml.Node, templates: Templates, cache: Path | None
) -> dict[str, ChartView]:
    """Draw every chart of the brief (kept in the user cache); a chart the renderer refuses
    is a located ContentError."""
    views: dict[str, ChartView] = {}
    problems = []
    mark = templates.labels["decimal_mark"]
    for item in numbered_blocks(brief):
        if not isinstance(item.block, Chart):
            continue
        chart = item.block.chart
        rows = chart_data(source, chart)
        try:
            svg = chart_svg(
                chart.spec, rows, _style(brief, templates, chart.wide), item.anchor, cache
            )
        except ValueError as err:
            problems.append(f"{_where(source, document, brief, item.anchor)}: {err}")
            continue
        views[item.anchor] = ChartView(
            svg=Markup(_hidden(svg)),
            data_url="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
            data=data_view(_as_written(source, chart) or rows, mark),
        )
    if problems:
        raise ContentError(problems)
    return views


def _as_written(source: Path, chart: ChartContent) -> list[dict[str, object]]:
    """A CSV file's rows as text, so the data table shows `3.90` as the file has it."""
    if not chart.data:
        return []
    titles, *rows = csv_rows(source, chart.data)
    return [dict(zip(titles, row, strict=True)) for row in rows]


def _style(brief: Brief, templates: Templates, wide: bool) -> ChartStyle:
    family, file_family = FONTS[brief.style.heading_font]
    regular = "Inter-Regular.otf" if file_family == "Inter" else "CharisSIL-Regular.ttf"
    millimetres = WIDE_WIDTH_MM if wide else TEXT_WIDTH_MM
    return ChartStyle(
        accent=brief.style.accent,
        font_family=family,
        font_file_family=file_family,
        font_dir=templates.find(f"fonts/{regular}").parent,
        width=round(millimetres / 25.4 * 96),
        language=brief.edition.language,
        fallback_families=tuple(family_stack(extra_fonts(templates))),
    )


def _hidden(svg: str) -> str:
    """Hide the drawing from assistive technology: its figure carries the alt text, and the
    data table says the rest."""
    return re.sub(r"<svg\b", '<svg aria-hidden="true" focusable="false"', svg, count=1)


def _where(source: Path, document: yaml.Node, brief: Brief, anchor: str) -> str:
    for placed in placed_blocks(brief):
        chart = getattr(placed.block, "chart", None)
        if chart is not None and (chart.id or placed.anchor) == anchor:
            node = node_at(document, *placed.keys, "chart", "spec")
            return location(source, node.start_mark if node is not None else None)
    return str(source)
