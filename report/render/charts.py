"""Drawing a chart: a checked Vega-Lite spec and its rows, to SVG text a document can inline.

vl-convert draws without a browser or the network, the same bytes every time. Its first chart in a
process costs about half a second (its JavaScript engine starts), so drawings are kept in the user
cache under a hash of everything that shapes them, and a build whose charts are all cached never
imports vl-convert at all.

The SVG is then made safe and self-contained for inlining into XHTML, PDF and EPUB alike: text
names the document's own font family (so its @font-face applies), ids are unique per chart,
nothing outside the chart is referenced, and no roles or classes leak into the host document.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from report.cache import file_digest, memo, package_stamp
from report.content.chartspec import schema_version

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".woff", ".woff2"}
TEXT_COLOR = "#333333"
MAX_DRAWN = 10_000  # px; a drawing larger than this is a runaway spec, not a chart for a page
VIEW_LISTS = ("layer", "concat", "hconcat", "vconcat", "facet", "repeat")


@dataclass(frozen=True)
class ChartStyle:
    """What a chart takes from the edition: colour, fonts, width and language."""

    accent: str  # "#rrggbb", the edition's accent colour
    font_family: str  # the family name the document's CSS declares, e.g. "Brief Sans"
    font_file_family: str  # the family name inside the font files, e.g. "Inter" (vl-convert's)
    font_dir: Path  # folder holding the shipped font files (templates/fonts)
    width: int  # the text width in CSS px (96 per inch)
    language: str  # BCP 47 tag, e.g. "en", "ru"
    # The edition's own fonts (report.render.edition_fonts), named after font_family in the SVG
    # so its characters the shipped font lacks are drawn in them, as in the text around it.
    fallback_families: tuple[str, ...] = ()


def chart_svg(
    spec: dict[str, Any],
    rows: list[dict[str, object]],
    style: ChartStyle,
    prefix: str,
    cache_dir: Path | None,
) -> str:
    """The chart as SVG text, drawn by vl-convert and kept in the user cache.

    `spec` has passed `report.content.chartspec.spec_problems`; `rows` are the chart's data;
    `prefix` starts every id in the SVG (unique per chart in a document); `cache_dir` is the
    user cache (None draws every time). Raises ValueError, with a short plain message, for
    anything wrong with the inputs or the drawing.
    """
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", style.accent):
        raise ValueError(f"the accent colour {style.accent!r} is not #rrggbb")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", prefix):
        raise ValueError(f"the chart's id prefix {prefix!r} is not a valid XML id")
    try:
        # Drawn from JSON round trips, so what is drawn is plain JSON and exactly what the key
        # describes; the key sorts mapping keys, the drawing keeps the author's order.
        drawn_spec = json.loads(json.dumps(spec, ensure_ascii=False, allow_nan=False))
        drawn_rows = json.loads(json.dumps(_clean_rows(rows), ensure_ascii=False))
        spec_text = json.dumps(drawn_spec, sort_keys=True, ensure_ascii=False)
        rows_text = json.dumps(drawn_rows, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError) as error:
        raise ValueError(f"the chart cannot be written as JSON: {error}") from None
    style_text = json.dumps(asdict(style), sort_keys=True, ensure_ascii=False, default=str)
    key_parts = [
        "chart-svg",
        spec_text,
        rows_text,
        style_text,
        prefix,
        _vl_convert_stamp(),
        schema_version() or "",
        file_digest(Path(__file__)) or "",
        json.dumps(_font_digests(style.font_dir), sort_keys=True),
    ]

    def compute() -> bytes:
        drawn = _styled_spec(drawn_spec, drawn_rows, style)
        families = (style.font_family, *style.fallback_families)
        return _clean_svg(_draw(drawn, style), families, prefix).encode("utf-8")

    folder = cache_dir / "charts" if cache_dir else None
    return memo(folder, key_parts, compute).decode("utf-8")


# The key.


@functools.cache
def _vl_convert_stamp() -> str:
    """package_stamp names the folder; the dist-info name (vl_convert_python-1.9.0...) adds the
    version, which package_stamp misses because the distribution and module names differ."""
    stamp = package_stamp("vl_convert")
    folder = stamp.split(":", 1)[0]
    parent = Path(folder).parent
    versions = sorted(path.name for path in parent.glob("vl_convert_python-*.dist-info"))
    return f"{stamp};{','.join(versions)}"


def _font_digests(font_dir: Path) -> dict[str, str | None]:
    try:
        files = sorted(path for path in font_dir.iterdir() if path.suffix.lower() in FONT_SUFFIXES)
    except OSError:
        return {}
    return {path.name: file_digest(path) for path in files}


def _clean_rows(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Rows as JSON values: dates as ISO text (Vega parses them), NaN and infinities as missing."""
    cleaned = []
    for row in rows:
        values: dict[str, object] = {}
        for name, value in row.items():
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            elif isinstance(value, datetime.date | datetime.time):
                value = value.isoformat()
            elif value is not None and not isinstance(value, str | int | float | bool):
                raise ValueError(f"the value {value!r} of column {name!r} is not text or a number")
            values[str(name)] = value
        cleaned.append(values)
    return cleaned


# The spec as drawn: the data, the edition's style under the author's, the width.


def _styled_spec(
    spec: dict[str, Any], rows: list[dict[str, object]], style: ChartStyle
) -> dict[str, Any]:
    drawn = {key: value for key, value in spec.items() if key != "$schema"}
    drawn["data"] = {"values": rows}
    ours = _config(style)
    if _few_categories(spec, rows):
        # Category names read horizontally, as in print, when there are few enough to fit side
        # by side; Vega-Lite turns them on their side by default, which many names need.
        ours["axisXDiscrete"] = {"labelAngle": 0}
    drawn["config"] = _merge(ours, drawn.get("config") or {})
    if "width" not in spec and _single_view(spec):
        # fit-x: the whole chart, axis labels and legend included, takes the text width; the
        # height stays the view's own, so a chart with many bars grows down, not squashed.
        drawn["width"] = style.width
        drawn.setdefault("autosize", {"type": "fit-x", "contains": "padding"})
    # The text is measured with the font the SVG will name in the end: a font the author
    # names (Arial, say) would be measured with metrics the document's font does not have.
    return _force_fonts(drawn, style.font_file_family)


FEW_CATEGORIES = 8


def _few_categories(spec: Mapping[str, Any], rows: list[dict[str, object]]) -> bool:
    """Whether the x axis names at most FEW_CATEGORIES categories (or is not a named field)."""
    encoding = spec.get("encoding")
    x = encoding.get("x") if isinstance(encoding, Mapping) else None
    field = x.get("field") if isinstance(x, Mapping) else None
    if not isinstance(field, str):
        return True
    return len({str(row.get(field)) for row in rows}) <= FEW_CATEGORIES


def _single_view(spec: Mapping[str, Any]) -> bool:
    """A unit view or a layer: the kinds Vega-Lite can fit to a width (not concat or facet)."""
    if any(key in spec for key in VIEW_LISTS if key != "layer"):
        return False
    encoding = spec.get("encoding")
    return not (isinstance(encoding, Mapping) and {"row", "column", "facet"} & set(encoding))


def _config(style: ChartStyle) -> dict[str, Any]:
    font = style.font_file_family
    accent = style.accent.lower()
    # Category colours: the accent first (a chart with one series is in the edition's colour),
    # then a neutral grey, so the two most common cases, one or two series, differ the most; then
    # a darker and a lighter accent and a light grey. All stay readable as bars and as lines on
    # white, and print tolerably in greyscale since their lightnesses differ.
    category = [
        accent,
        "#7a7a7a",
        _mix(accent, "#000000", 0.45),
        _mix(accent, "#ffffff", 0.5),
        "#b5b5b5",
        _mix(accent, "#000000", 0.7),
    ]
    labels = {"labelFont": font, "titleFont": font, "labelColor": TEXT_COLOR}
    labels |= {"titleColor": TEXT_COLOR, "labelFontSize": 10, "titleFontSize": 11}
    return {
        "font": font,
        "background": None,  # transparent: the page's own colour shows through
        "padding": 4,
        "view": {
            "stroke": None,
            "continuousHeight": max(160, min(320, round(style.width * 0.45))),
        },
        "mark": {"color": accent},
        "range": {
            "category": category,
            "ramp": [_mix(accent, "#ffffff", 0.85), accent, _mix(accent, "#000000", 0.5)],
        },
        "axis": {
            **labels,
            "titleFontWeight": 600,
            "domainColor": "#888888",
            "tickColor": "#888888",
            "gridColor": "#e6e6e6",
        },
        "legend": {**labels, "titleFontWeight": 600},
        "header": {**labels, "titleFontWeight": 600},
        "title": {
            "font": font,
            "subtitleFont": font,
            "fontSize": 12,
            "subtitleFontSize": 10,
            "fontWeight": 600,
            "color": TEXT_COLOR,
            "subtitleColor": TEXT_COLOR,
            "anchor": "start",
        },
    }


def _mix(color: str, other: str, amount: float) -> str:
    """`color` moved `amount` of the way towards `other` (both #rrggbb)."""
    channels = [
        round(int(color[i : i + 2], 16) * (1 - amount) + int(other[i : i + 2], 16) * amount)
        for i in (1, 3, 5)
    ]
    return "#" + "".join(f"{channel:02x}" for channel in channels)


def _merge(ours: dict[str, Any], theirs: Mapping[str, Any]) -> dict[str, Any]:
    """Our config under the author's: their values win, mappings merge key by key."""
    merged = dict(ours)
    for key, value in theirs.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _force_fonts(value: Any, font: str) -> Any:
    if isinstance(value, dict):
        return {
            key: font
            if (key == "font" or key.endswith("Font")) and isinstance(item, str)
            else _force_fonts(item, font)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_force_fonts(item, font) for item in value]
    return value


# Drawing.


def _draw(spec: dict[str, Any], style: ChartStyle) -> str:
    from report.render.chart_drawing import draw  # a process of its own, watched

    return draw(spec, str(style.font_dir), style.language)


# Making the SVG safe to inline.


def _clean_svg(svg: str, font_families: Sequence[str], prefix: str) -> str:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(svg.encode("utf-8"), parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(
            f"the chart could not be drawn: vl-convert wrote bad SVG ({error})"
        ) from None
    if root.tag != f"{{{SVG}}}svg":
        raise ValueError("the chart could not be drawn: vl-convert wrote no SVG")
    for name in ("width", "height"):
        size = _number(root.get(name))
        if size is None or size > MAX_DRAWN:
            extent = "wide" if name == "width" else "tall"
            raise ValueError(
                f"the chart would be {root.get(name)} px {extent} (at most {MAX_DRAWN})"
            )

    _drop_outside(root)
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    family = ", ".join(_css_family(name) for name in font_families)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in list(element.attrib.items()):
            local = name.rsplit("}", 1)[-1]
            if local in ("class", "role") or local.startswith("aria-"):
                # The template gives the chart its alt text; vl-convert's roles ("graphics-symbol")
                # and labels would be read out besides, and its classes meet the document's CSS.
                del element.attrib[name]
            elif local == "id":
                element.set(name, f"{prefix}-{value}")
            elif local == "href":
                # Only "#id" survives _drop_outside.
                target = value[1:]
                if target in ids:
                    element.set(name, f"#{prefix}-{target}")
                else:
                    del element.attrib[name]
            elif local == "font-family":
                element.set(name, family)
            elif "\\" in value:
                # A CSS escape (\75rl for url) could hide a load from the checks below; no
                # attribute vl-convert writes has a backslash.
                del element.attrib[name]
            elif re.search(r"url\s*\(|font-family|@import|expression\s*\(", value, re.IGNORECASE):
                rewritten = _rewrite_style(value, ids, prefix, family)
                if rewritten is None:
                    del element.attrib[name]
                else:
                    element.set(name, rewritten)
    # The root keeps only its size: the template sets role and aria-label on it itself.
    for name in list(root.attrib):
        if name not in ("width", "height", "viewBox"):
            del root.attrib[name]
    etree.cleanup_namespaces(root)
    return etree.tostring(root, encoding="unicode")


def _drop_outside(root: Any) -> None:
    """Remove everything that would load or link outside the chart once inlined in a document.

    The checked spec has no url or href keys, but an expression can still compute a link or an
    image address, and Vega writes a `fill: url(...)` colour through as it is.
    """
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            # Comments and processing instructions carry nothing a chart needs.
            if element.getparent() is not None:
                _remove(element)
            continue
        local = element.tag.rsplit("}", 1)[-1]
        if local in ("script", "style", "foreignObject", "iframe"):
            _remove(element)
            continue
        for name in ("href", f"{{{XLINK}}}href"):
            value = element.get(name)
            if value is None or value.startswith("#"):
                continue
            if local == "a":
                _unwrap(element)
            else:
                _remove(element)
            break


def _remove(element: Any) -> None:
    parent = element.getparent()
    if parent is None:
        return
    # Keep the text that followed the element (its tail) in the document.
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _unwrap(element: Any) -> None:
    """Replace an element by its children (a link around marks: the marks stay)."""
    parent = element.getparent()
    if parent is None:
        return
    index = parent.index(element)
    for offset, child in enumerate(list(element)):
        parent.insert(index + offset, child)
    _remove(element)


URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""", re.IGNORECASE)


def _rewrite_style(value: str, ids: set[str], prefix: str, family: str) -> str | None:
    """A presentation attribute or style with url(#id) pointing at this chart's renamed ids;
    None when it points anywhere else (another document's element, or the network)."""
    outside = False

    def local(match: re.Match[str]) -> str:
        nonlocal outside
        target = match[2].strip()
        if target.startswith("#") and target[1:] in ids:
            return f"url(#{prefix}-{target[1:]})"
        outside = True
        return match[0]

    rewritten = URL.sub(local, value)
    if outside or re.search(r"@import|expression\s*\(", rewritten, re.IGNORECASE):
        return None
    return re.sub(r"font-family\s*:[^;]*", f"font-family: {family}", rewritten)


def _css_family(name: str) -> str:
    """A family name as CSS reads it: plain words stay bare, anything else is quoted."""
    if re.fullmatch(r"[A-Za-z][A-Za-z-]*( [A-Za-z][A-Za-z-]*)*", name):
        return name
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None
