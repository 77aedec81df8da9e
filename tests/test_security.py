"""Hostile content stays text; resources load only from allowed folders; templates fail loudly."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
import socket
import threading
import zipfile
from pathlib import Path

import pikepdf
import pytest

from report import load_brief
from report.assets import AssetRoots
from report.errors import AssetError, TemplateError
from report.outputs.pdf import make_pdf
from report.pipeline import build
from report.render.print_document import PrintDocument
from report.render.templates import BASE_TEMPLATES, Templates
from tests.conftest import FIXTURES, pdf_pages

HOSTILE = [
    '<script>alert("x")</script>',
    '<img src="file:///etc/hostname">',
    '<link rel="attachment" href="file:///etc/hostname">',
]


@pytest.fixture
def hostile_brief(tmp_path: Path) -> Path:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    lines = "\n".join(f"      - paragraph: '{markup}'" for markup in HOSTILE)
    path = tmp_path / "hostile.yaml"
    path.write_text(text.replace("      - paragraph: One paragraph of text.", lines), "utf-8")
    return path


def test_markup_in_content_is_text_in_both_outputs(hostile_brief: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([hostile_brief], out)
    with pikepdf.open(out / "hostile.pdf") as pdf:
        # The one attached file is the content file itself (provenance), nothing from the text.
        assert list(pdf.attachments) == ["hostile.yaml"]
        attached = pdf.attachments["hostile.yaml"].get_file().read_bytes()
        assert attached == hostile_brief.read_bytes()
        annotations = [a for page in pdf.pages for a in page.get("/Annots", [])]
        assert not [a for a in annotations if a.get("/Subtype") == "/FileAttachment"]
    text = "".join(pdf_pages(out / "hostile.pdf"))
    for markup in HOSTILE:
        assert markup in text.replace("\r\n", " ")
    with zipfile.ZipFile(out / "hostile.epub") as book:
        page = book.read("EPUB/text/only.xhtml").decode()
        assert "<script" not in page and "<img" not in page and '<link rel="attachment' not in page
        assert "&lt;script&gt;" in page


def test_allow_list_refuses_anything_outside_the_roots(tmp_path: Path) -> None:
    inside = tmp_path / "assets"
    inside.mkdir()
    (inside / "ok.css").write_text("p {}")
    (inside / "escape.css").symlink_to("/etc/hostname")
    roots = AssetRoots([inside])
    assert roots.read((inside / "ok.css").as_uri()) == (b"p {}", "text/css")
    for url in (
        "file:///etc/hostname",
        (inside / "escape.css").as_uri(),
        (inside / ".." / "assets" / ".." / "x").as_uri(),
        "http://127.0.0.1:9/x.css",
        "ftp://example.org/x",
        (inside / "missing.png").as_uri(),
        "file:///dev/zero",
    ):
        with pytest.raises(AssetError):
            roots.resolve(url)


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="file:///etc/hostname" alt="x">',
        '<style>@import url("{listener}/x.css");</style>',
        '<img src="{listener}/x.png" alt="x">',
    ],
)
def test_a_blocked_resource_fails_the_pdf_and_reaches_nothing(
    markup: str, listener: tuple[str, list[object]]
) -> None:
    """Even HTML that a hostile template could write cannot read files or reach the network."""
    url, connections = listener  # it listens until the test ends, however long the render takes
    html = f"<html><head>{markup.format(listener=url)}</head><body><p>x</p></body></html>"
    with pytest.raises(AssetError, match=r"only files inside|outside the allowed folders"):
        make_pdf(
            PrintDocument(
                html,
                BASE_TEMPLATES,
                AssetRoots([BASE_TEMPLATES]),
                0,
                "ua-1",
                "x.yaml",
                b"title: x",
                "report test",
            )
        )
    assert connections == []


def write_template(folder: Path, name: str, text: str) -> None:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_undefined_variable_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    write_template(tmp_path, "print.html", "<p>\n{{ brief.title }}\n{{ brief.subtitel }}</p>")
    templates = Templates(tmp_path)
    with pytest.raises(TemplateError, match=rf"{tmp_path}/print.html:3: .*subtitel"):
        templates.render("print.html", load_brief(FIXTURES / "minimal.yaml"))


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    write_template(tmp_path, "print.html", "<p>\n{% if %}</p>")
    with pytest.raises(TemplateError, match=rf"{tmp_path}/print.html:2: "):
        Templates(tmp_path).render("print.html", load_brief(FIXTURES / "minimal.yaml"))


def test_missing_template_names_the_search_path(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        Templates(tmp_path).render("nope.html", load_brief(FIXTURES / "minimal.yaml"))
    assert "'nope.html' not found" in str(caught.value)
    assert str(tmp_path) in str(caught.value) and str(BASE_TEMPLATES) in str(caught.value)


def test_every_template_file_is_autoescaped(tmp_path: Path) -> None:
    for name in ("a.html", "b.xhtml", "c.html.j2", "d.txt"):
        write_template(tmp_path, name, "{{ brief.title }}")
    brief = dataclasses.replace(load_brief(FIXTURES / "minimal.yaml"), title="<b>x</b>")
    for name in ("a.html", "b.xhtml", "c.html.j2", "d.txt"):
        assert Templates(tmp_path).render(name, brief) == "&lt;b&gt;x&lt;/b&gt;"


@pytest.fixture
def listener():
    """A local TCP listener that records whether anything connected to it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.2)
        connections: list[object] = []
        stop = threading.Event()

        def accept() -> None:
            while not stop.is_set():
                with contextlib.suppress(OSError):
                    connections.append(server.accept())

        thread = threading.Thread(target=accept)
        thread.start()
        yield f"http://127.0.0.1:{server.getsockname()[1]}", connections
        stop.set()
        thread.join()


def edition(tmp_path: Path, files: dict[str, str]) -> Path:
    """A content file with an edition folder holding the given files."""
    folder = tmp_path / "content"
    source = folder / "brief.yaml"
    (folder / "brief").mkdir(parents=True)
    source.write_bytes((FIXTURES / "minimal.yaml").read_bytes())
    for name, text in files.items():
        write_template(folder / "brief", name, text)
    return source


@pytest.mark.parametrize("formats", [["pdf", "epub"], ["epub"]])
@pytest.mark.parametrize(
    "css",
    [
        '@import url("{url}/x.css");',
        "body {{ background: url({url}/bg.png); }}",
        "body {{ background: url(file:///etc/hostname); }}",
    ],
)
def test_edition_stylesheet_cannot_reach_out(
    tmp_path: Path, listener: tuple[str, list[object]], css: str, formats: list[str]
) -> None:
    url, connections = listener
    source = edition(tmp_path, {"css/edition.css": css.format(url=url)})
    with pytest.raises(AssetError, match=r"edition.css|only files inside|outside the allowed"):
        build([source], tmp_path / "out", formats=formats)
    assert connections == []
    assert not (tmp_path / "out").exists()


def test_edition_template_cannot_attach_a_local_file(tmp_path: Path) -> None:
    override = (
        '{% extends "base/print.html" %}{% block head %}{{ super() }}'
        '<link rel="attachment" href="file:///etc/hostname"/>{% endblock %}'
    )
    source = edition(tmp_path, {"print.html": override})
    with pytest.raises(TemplateError, match="may not attach files"):
        build([source], tmp_path / "out", formats=["pdf"])
    assert not (tmp_path / "out").exists()


def test_the_pdf_writer_drops_attachments_a_document_asks_for(tmp_path: Path) -> None:
    """Below the template check, the writer itself attaches nothing but the content file."""
    html = (
        '<html><head><link rel="attachment" href="file:///etc/hostname"></head>'
        '<body><p><a rel="attachment" href="file:///etc/hostname">x</a></p></body></html>'
    )
    document = PrintDocument(
        html, BASE_TEMPLATES, AssetRoots([Path("/etc")]), 0, "ua-1", "x.yaml", b"title: x", "t"
    )
    data, _, _ = make_pdf(document)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert list(pdf.attachments) == ["x.yaml"]
        annotations = [a for page in pdf.pages for a in page.get("/Annots", [])]
        assert not [a for a in annotations if a.get("/Subtype") == "/FileAttachment"]


def test_edition_stylesheet_is_layered_last_in_both_outputs(tmp_path: Path) -> None:
    source = edition(tmp_path, {"css/edition.css": ".callout { font-style: italic; }"})
    build([source], tmp_path / "out")
    with zipfile.ZipFile(tmp_path / "out" / "brief.epub") as book:
        page = book.read("EPUB/text/only.xhtml").decode()
        links = re.findall(r'href="\.\./(css/[^"]+)"', page)
        assert links[-1] == "css/edition.css"
        assert book.read("EPUB/css/edition.css") == b".callout { font-style: italic; }"


def test_a_symlink_out_of_an_edition_folder_is_not_followed(tmp_path: Path) -> None:
    source = edition(tmp_path, {})
    (source.parent / "brief" / "css").mkdir()
    (source.parent / "brief" / "css" / "edition.css").symlink_to("/etc/hostname")
    (source.parent / "brief" / "print.html").symlink_to("/etc/hostname")
    templates = Templates(source.parent / "brief")
    assert [path.name for path in templates.stylesheets("epub")] == [
        "fonts.css",
        "brief.css",
        "epub.css",
    ]
    assert templates.find("print.html") == BASE_TEMPLATES / "print.html"
    with pytest.raises(TemplateError, match="leads outside the template folders"):
        templates.render("print.html", load_brief(source))
