"""Charts: checking a Vega-Lite spec (real schema) and drawing it to SVG (real vl-convert)."""

from __future__ import annotations

import base64
import http.server
import io
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from lxml import etree

from report.content.chartspec import spec_problems
from report.render import chart_drawing
from report.render.charts import ChartStyle, chart_svg

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
SVG = "{http://www.w3.org/2000/svg}"
ACCENT = "#1f5fa8"
COLUMNS = ["Country", "2014", "2023"]
ROWS: list[dict[str, object]] = [
    {"Country": "Belarus", "2014": 1.5, "2023": 2.0},
    {"Country": "Lithuania", "2014": 2.25, "2023": 2.5},
    {"Country": "Poland", "2014": 3.0, "2023": 3.5},
]
RU_ROWS: list[dict[str, object]] = [
    {"Country": "Беларусь", "2014": 1.5, "2023": 2.0},
    {"Country": "Литва", "2014": 2.25, "2023": 2.5},
]
STYLE = ChartStyle(
    accent=ACCENT,
    font_family="Brief Sans",
    font_file_family="Inter",
    font_dir=TEMPLATES / "fonts",
    width=624,
    language="en",
)


def bars(**changes: object) -> dict[str, object]:
    """A valid bar chart of COLUMNS, with top-level keys replaced."""
    spec: dict[str, object] = {
        "mark": "bar",
        "encoding": {
            "x": {"field": "Country", "type": "nominal"},
            "y": {"field": "2014", "type": "quantitative"},
        },
    }
    spec.update(changes)
    return spec


def paths(problems: list[tuple[tuple[str | int, ...], str]]) -> list[tuple[str | int, ...]]:
    return [path for path, _ in problems]


# spec_problems


def test_valid_specs_have_no_problems() -> None:
    assert spec_problems(bars(), COLUMNS) == []
    layered = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "layer": [
            bars(),
            bars(mark={"type": "text", "dy": -4}, encoding={"text": {"field": "2014"}}),
        ],
    }
    assert spec_problems(layered, COLUMNS) == []
    repeated = {
        "repeat": {"column": ["2014", "2023"]},
        "spec": bars(encoding={"y": {"field": {"repeat": "column"}, "type": "quantitative"}}),
    }
    assert spec_problems(repeated, COLUMNS) == []


def test_not_a_mapping() -> None:
    [(path, message)] = spec_problems(["mark", "bar"], COLUMNS)
    assert path == ()
    assert "mapping" in message


def test_bad_mark_names_the_choices() -> None:
    [(path, message)] = spec_problems(bars(mark="barr"), COLUMNS)
    assert path == ("mark",)
    assert "'barr' is not one of" in message
    assert "did you mean 'bar'?" in message
    assert len(message) < 250


def test_misspelt_key_at_the_top() -> None:
    spec = bars()
    spec["encodng"] = spec.pop("encoding")
    [(path, message)] = spec_problems(spec, COLUMNS)
    assert path == ("encodng",)
    assert "did you mean 'encoding'?" in message


def test_bad_type_of_a_channel() -> None:
    spec = bars()
    spec["encoding"]["x"]["type"] = "nominl"  # type: ignore[index]
    [(path, message)] = spec_problems(spec, COLUMNS)
    assert path == ("encoding", "x", "type")
    assert "did you mean 'nominal'?" in message


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        (bars(data={"url": "https://example.com/x.csv"}), ("data", "url")),
        (bars(mark={"type": "image", "url": "https://example.com/x.png"}), ("mark", "url")),
        (
            {"layer": [bars(), bars(encoding={"url": {"value": "https://example.com/x.png"}})]},
            ("layer", 1, "encoding", "url"),
        ),
    ],
)
def test_url_anywhere_is_refused(spec: dict[str, object], path: tuple[str | int, ...]) -> None:
    problems = spec_problems(spec, COLUMNS)
    assert path in paths(problems)
    message = dict(problems)[path]
    assert "may not load anything" in message
    assert "example.com" in message


def test_data_inside_the_spec_is_refused() -> None:
    problems = spec_problems(bars(data={"values": [{"a": 1}]}), COLUMNS)
    assert paths(problems) == [("data",)]
    assert "datasets" in paths(spec_problems(bars(datasets={"d": []}), COLUMNS))[0]


def test_unknown_field_with_suggestion() -> None:
    spec = bars()
    spec["encoding"]["y"]["field"] = "Contry"  # type: ignore[index]
    [(path, message)] = spec_problems(spec, COLUMNS)
    assert path == ("encoding", "y", "field")
    assert "'Contry' is not a column" in message
    assert "Country, 2014, 2023" in message
    assert "did you mean 'Country'?" in message


def test_fields_in_tooltips_and_sort_are_checked() -> None:
    spec = bars()
    spec["encoding"]["tooltip"] = [{"field": "Country"}, {"field": "2015"}]  # type: ignore[index]
    spec["encoding"]["x"]["sort"] = {"field": "Size", "op": "sum"}  # type: ignore[index]
    assert sorted(paths(spec_problems(spec, COLUMNS)), key=str) == [
        ("encoding", "tooltip", 1, "field"),
        ("encoding", "x", "sort", "field"),
    ]


def test_field_made_by_a_transform_is_accepted() -> None:
    spec = bars(transform=[{"calculate": "datum['2023'] - datum['2014']", "as": "Change"}])
    spec["encoding"]["y"]["field"] = "Change"  # type: ignore[index]
    assert spec_problems(spec, COLUMNS) == []


def test_escaped_and_nested_fields() -> None:
    columns = ["Country", "GDP.2014"]
    spec = bars()
    spec["encoding"]["y"]["field"] = "GDP\\.2014"  # type: ignore[index]
    assert spec_problems(spec, columns) == []
    spec["encoding"]["y"]["field"] = "GDP.2014"  # type: ignore[index]
    [(path, message)] = spec_problems(spec, columns)
    assert path == ("encoding", "y", "field")
    assert "GDP\\.2014" in message


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        (bars(width=100000), ("width",)),
        (bars(height=0), ("height",)),
        (bars(width={"step": 50000}), ("width", "step")),
    ],
)
def test_huge_sizes_are_refused(spec: dict[str, object], path: tuple[str | int, ...]) -> None:
    assert paths(spec_problems(spec, COLUMNS)) == [path]


def test_huge_or_deep_specs_are_refused() -> None:
    deep: dict[str, object] = {}
    inner = deep
    for _ in range(40):
        inner["usermeta"] = {}
        inner = inner["usermeta"]  # type: ignore[assignment]
    assert paths(spec_problems(deep, COLUMNS)) == [()]
    wide = bars(usermeta={"items": list(range(5000))})
    assert paths(spec_problems(wide, COLUMNS)) == [()]


def test_messages_stay_short() -> None:
    spec = bars(title={"text": "x" * 500, "fontSize": "big"})
    for _, message in spec_problems(spec, COLUMNS):
        assert len(message) < 250


# chart_svg


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode("utf-8"))


def test_svg_is_xml_with_the_documents_font_and_prefixed_ids() -> None:
    # A quantitative colour makes a gradient legend: ids and url(#...) references to rewrite.
    spec = bars(mark={"type": "bar", "clip": True})
    spec["encoding"]["color"] = {"field": "2023", "type": "quantitative"}  # type: ignore[index]
    svg = chart_svg(spec, ROWS, STYLE, "fig-1", None)
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert set(root.attrib) == {"width", "height", "viewBox"}
    assert not svg.startswith("<?xml")

    families = {element.get("font-family") for element in root.iter() if element.get("font-family")}
    assert families == {"Brief Sans"}
    assert "Inter" not in svg
    assert "sans-serif" not in svg

    ids = {element.get("id") for element in root.iter() if element.get("id")}
    assert ids, "the gradient legend and the clip path have ids"
    assert all(name.startswith("fig-1-") for name in ids)
    references = re.findall(r"url\(#([^)]+)\)", svg) + re.findall(r'href="#([^"]+)"', svg)
    assert references
    assert set(references) <= ids

    for element in root.iter():
        assert not {name for name in element.attrib if name in ("role", "class")}
        assert not [name for name in element.attrib if name.startswith("aria-")]


def test_bars_take_the_accent_colour() -> None:
    root = parse(chart_svg(bars(), ROWS, STYLE, "fig-1", None))
    filled = [element for element in root.iter(f"{SVG}path") if element.get("fill") == ACCENT]
    assert len(filled) >= len(ROWS)


def test_chart_fits_the_text_width() -> None:
    root = parse(chart_svg(bars(), ROWS, STYLE, "fig-1", None))
    assert float(root.get("width")) == STYLE.width
    root = parse(chart_svg(bars(width=200), ROWS, STYLE, "fig-1", None))
    assert float(root.get("width")) < STYLE.width


def test_same_inputs_same_svg(tmp_path: Path) -> None:
    first = chart_svg(bars(), ROWS, STYLE, "fig-1", None)
    assert chart_svg(bars(), ROWS, STYLE, "fig-1", None) == first
    # A fresh process with a cold cache draws the same, and a second one reads the cache without
    # loading vl-convert at all.
    script = (
        "import sys, json; from pathlib import Path; "
        "from report.render.charts import ChartStyle, chart_svg; "
        "args = json.loads(sys.argv[1]); "
        "style = ChartStyle(**{**args['style'], 'font_dir': Path(args['style']['font_dir'])}); "
        "svg = chart_svg(args['spec'], args['rows'], style, 'fig-1', Path(args['cache'])); "
        "print(json.dumps({'svg': svg, 'loaded': 'report.render.chart_drawing' in sys.modules}))"
    )
    style = {**STYLE.__dict__, "font_dir": str(STYLE.font_dir)}
    argument = json.dumps({"style": style, "spec": bars(), "rows": ROWS, "cache": str(tmp_path)})
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", script, argument],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            ).stdout
        )
        for _ in range(2)
    ]
    assert [run["svg"] for run in runs] == [first, first]
    assert [run["loaded"] for run in runs] == [True, False]


def test_cache_hit_does_not_draw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = chart_svg(bars(), ROWS, STYLE, "fig-1", tmp_path)
    assert len(list((tmp_path / "charts").iterdir())) == 1

    def refuse(*_args: object, **_kwargs: object) -> str:
        raise ValueError("vl-convert was called")

    monkeypatch.setattr(chart_drawing, "draw", refuse)
    assert chart_svg(bars(), ROWS, STYLE, "fig-1", tmp_path) == first
    # A fresh key does draw, so the patch was in force: and its error comes out as a ValueError.
    with pytest.raises(ValueError, match="vl-convert was called"):
        chart_svg(bars(), ROWS, STYLE, "fig-2", tmp_path)


def test_changed_inputs_draw_again(tmp_path: Path) -> None:
    chart_svg(bars(), ROWS, STYLE, "fig-1", tmp_path)
    chart_svg(bars(), ROWS[:2], STYLE, "fig-1", tmp_path)
    chart_svg(
        bars(), ROWS, ChartStyle(**{**STYLE.__dict__, "accent": "#aa3300"}), "fig-1", tmp_path
    )
    assert len(list((tmp_path / "charts").iterdir())) == 3


class Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []  # noqa: RUF012 (the handler class is the only place to keep them)

    def do_GET(self) -> None:
        Recorder.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.end_headers()
        self.wfile.write(b"Country,2014\nLeaked,9\n")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Recorder.requests = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_data_url_fetches_nothing(server: str) -> None:
    # spec_problems refuses this spec; the renderer must hold even if it is called without it.
    spec = {"layer": [bars(), bars(data={"url": f"{server}/x.csv"})]}
    with pytest.raises(ValueError, match="not allowed") as caught:
        chart_svg(spec, ROWS, STYLE, "fig-1", None)
    assert "\n" not in str(caught.value)
    assert Recorder.requests == []


def test_links_and_images_do_not_reach_the_drawing(server: str) -> None:
    spec = {
        "layer": [
            bars(mark={"type": "bar", "href": f"{server}/link", "fill": f"url({server}/p.svg#p)"}),
            bars(mark={"type": "image", "url": f"{server}/x.png", "width": 9, "height": 9}),
        ]
    }
    svg = chart_svg(spec, ROWS, STYLE, "fig-1", None)
    assert server.split("//")[1] not in svg
    assert "<image" not in svg
    assert Recorder.requests == []


def test_bad_specs_raise_value_error() -> None:
    with pytest.raises(ValueError):
        chart_svg({"mark": "nonsense"}, ROWS, STYLE, "fig-1", None)
    with pytest.raises(ValueError, match="accent"):
        chart_svg(bars(), ROWS, ChartStyle(**{**STYLE.__dict__, "accent": "blue"}), "f", None)
    with pytest.raises(ValueError):
        chart_svg(bars(), [{"Country": object()}], STYLE, "fig-1", None)


def test_cyrillic_labels_and_russian_numbers() -> None:
    style = ChartStyle(**{**STYLE.__dict__, "language": "ru"})
    spec = bars(title="ВВП, трлн")
    svg = chart_svg(spec, RU_ROWS, style, "fig-1", None)
    texts = [element.text or "" for element in parse(svg).iter(f"{SVG}text")]
    assert {"Беларусь", "Литва", "ВВП, трлн"} <= set(texts)
    # d3's ru-RU locale writes a decimal comma: the axis reads 0,5 where English reads 0.5.
    assert any(re.fullmatch(r"\d,\d", text) for text in texts)
    # An unknown language still draws, in the default locale.
    chart_svg(spec, RU_ROWS, ChartStyle(**{**STYLE.__dict__, "language": "x-klingon"}), "f", None)


# The chart in a real PDF, with the shipped fonts


@pytest.mark.parametrize("embedding", ["img", "inline"])
def test_pdf_uses_only_the_shipped_fonts(embedding: str) -> None:
    from weasyprint import HTML

    style = ChartStyle(**{**STYLE.__dict__, "language": "ru"})
    svg = chart_svg(bars(title="ВВП по странам"), RU_ROWS, style, "fig-1", None)
    if embedding == "img":
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        chart = f'<img alt="ВВП" src="data:image/svg+xml;base64,{data}">'
    else:
        chart = svg
    html = (
        '<html lang="ru"><head><link rel="stylesheet" href="css/fonts.css"></head>'
        f"<body style=\"font-family: 'Brief Serif'\"><p>Текст</p>{chart}</body></html>"
    )
    pdf_bytes = HTML(string=html, base_url=str(TEMPLATES) + "/").write_pdf()

    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        fonts = {}
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                program = next(
                    obj[key] for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in obj
                )
                fonts[str(obj.FontName).split("+", 1)[-1]] = program.read_bytes()
    # WeasyPrint names embedded fonts by their @font-face family: only ours, and the sans one
    # is Inter's program (its CFF data names it).
    assert fonts
    assert all(re.fullmatch(r"Brief-(Sans|Serif)(-[\w-]+)?", name) for name in fonts), fonts
    sans = [name for name in fonts if name.startswith("Brief-Sans")]
    assert sans, "the chart's text is set in Brief Sans"
    assert all(b"Inter" in fonts[name] for name in sans)

    document = pypdfium2.PdfDocument(pdf_bytes)
    text = document[0].get_textpage().get_text_range()
    assert "Беларусь" in text
    assert "ВВП по странам" in text
