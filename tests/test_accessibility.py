"""Accessible and archival outputs: tagged PDF/UA or PDF/A, provenance, EPUB Accessibility 1.1."""

from __future__ import annotations

import hashlib
import itertools
import zipfile
from pathlib import Path

import pikepdf
import pytest
from lxml import etree
from PIL import Image

from report.pipeline import build
from tests.conftest import CONTENT, FIXTURES, ace_violations

OPF = {"opf": "http://www.idpf.org/2007/opf"}


@pytest.fixture(scope="module")
def standards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("standards")
    return {
        standard: build([CONTENT], out / standard, ["pdf"], pdf_standard=standard)[0].path
        for standard in ("ua-1", "a-3a", "a-3b")
    }


@pytest.fixture(scope="module")
def illustrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A brief with an image in its text and a logo."""
    folder = tmp_path_factory.mktemp("illustrated")
    Image.new("RGB", (120, 60), (29, 63, 110)).save(folder / "chart.png")
    text = (
        (FIXTURES / "minimal.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "      - paragraph: One paragraph of text.",
            "      - paragraph: 'A chart: ![Bars rising from 1992 to 2013](chart.png)'",
        )
    )
    source = folder / "illustrated.yaml"
    source.write_text(text + "style:\n  logo: chart.png\n", encoding="utf-8")
    return {w.path.suffix[1:]: w.path for w in build([source], folder / "out")}


def structure_types(pdf: pikepdf.Pdf) -> list[tuple[str, pikepdf.Dictionary]]:
    """Every structure element of the tagged PDF, in document order."""
    found = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            found.append((str(node.S), node))
            walk(node.get("/K"))

    walk(pdf.Root.StructTreeRoot.get("/K"))
    return found


@pytest.mark.parametrize(
    ("standard", "identifiers"),
    [
        ("ua-1", {"pdfuaid:part": "1"}),
        ("a-3a", {"pdfaid:part": "3", "pdfaid:conformance": "A"}),
        ("a-3b", {"pdfaid:part": "3", "pdfaid:conformance": "B"}),
    ],
)
def test_pdf_is_tagged_and_declares_its_standard(
    standards: dict[str, Path], standard: str, identifiers: dict[str, str]
) -> None:
    with pikepdf.open(standards[standard]) as pdf:
        assert structure_types(pdf), "empty structure tree"
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        with pdf.open_metadata() as xmp:
            for key, value in identifiers.items():
                assert xmp.get(key) == value
            assert xmp.get("xmp:CreatorTool") == "report 0.1.0"


def test_headings_are_tagged_in_order(standards: dict[str, Path]) -> None:
    with pikepdf.open(standards["ua-1"]) as pdf:
        levels = [
            int(kind[2:])
            for kind, _ in structure_types(pdf)
            if kind.startswith("/H") and kind[2:].isdigit()
        ]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels))
    assert levels.count(2) >= 13  # at a glance, contents, 11 sections, about


def _content_in_tree(pdf: pikepdf.Pdf) -> set[tuple[tuple[int, int], int]]:
    """Every (page, MCID) the structure tree reaches from its root."""
    found: set[tuple[tuple[int, int], int]] = set()
    pending = [(pdf.Root.StructTreeRoot, None)]
    while pending:
        node, page = pending.pop()
        page = node.get("/Pg", page) if isinstance(node, pikepdf.Dictionary) else page
        kids = node.get("/K") if isinstance(node, pikepdf.Dictionary) else None
        kids = [] if kids is None else (list(kids) if isinstance(kids, pikepdf.Array) else [kids])
        for kid in kids:
            if isinstance(kid, int) and page is not None:
                found.add((page.objgen, int(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                found.add((kid.get("/Pg", page).objgen, int(kid.MCID)))
            elif isinstance(kid, pikepdf.Dictionary):
                pending.append((kid, page))
    return found


def test_running_heads_are_artifacts(standards: dict[str, Path]) -> None:
    """Every tagged piece of a page's content is in the structure tree; what is not (the running
    heads and feet, rules, backgrounds) is an artifact. WeasyPrint 70 left the running heads
    tagged but outside the tree (report/outputs/pdf_artifacts.py)."""
    for path in standards.values():
        with pikepdf.open(path) as pdf:
            in_tree = _content_in_tree(pdf)
            for number, page in enumerate(pdf.pages):
                operations = pikepdf.parse_content_stream(page)
                marked = [ops for ops, op in operations if str(op) in ("BDC", "BMC")]
                mcids = [
                    int(ops[1].MCID)
                    for ops in marked
                    if len(ops) > 1 and isinstance(ops[1], pikepdf.Dictionary) and "/MCID" in ops[1]
                ]
                outside = [m for m in mcids if (page.obj.objgen, m) not in in_tree]
                assert outside == [], f"{path.name} page {number + 1}: {outside}"
                if number:  # the cover has no running head
                    assert sum(str(ops[0]) == "/Artifact" for ops in marked) >= 4


def test_images_carry_alt_text(illustrated: dict[str, Path]) -> None:
    with pikepdf.open(illustrated["pdf"]) as pdf:
        figures = [node for kind, node in structure_types(pdf) if kind == "/Figure"]
        assert figures
        assert all(str(figure.get("/Alt", "")).strip() for figure in figures)
        assert "Bars rising from 1992 to 2013" in [str(f.Alt) for f in figures]


def test_the_pdf_carries_its_source_and_provenance(standards: dict[str, Path]) -> None:
    content = CONTENT.read_bytes()
    for path in standards.values():
        with pikepdf.open(path) as pdf:
            spec = pdf.attachments["belarus-nato.yaml"]
            assert spec.get_file().read_bytes() == content
            assert pdf.Root.AF[0].AFRelationship == "/Source"
            xmp = pdf.Root.Metadata.read_bytes().decode()
            assert f"<report:sourceSHA256>{hashlib.sha256(content).hexdigest()}<" in xmp
            assert "<report:generator>report 0.1.0<" in xmp
            assert "pdfaSchema:namespaceURI" in xmp  # the extension schema PDF/A asks for


def opf_metadata(epub: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(epub) as book:
        root = etree.fromstring(book.read("EPUB/content.opf"))
    found: dict[str, list[str]] = {}
    for meta in root.iterfind(".//opf:meta[@property]", OPF):
        found.setdefault(meta.get("property"), []).append(meta.text)
    return found


def test_epub_accessibility_metadata_follows_the_content(
    built: dict[str, Path], illustrated: dict[str, Path]
) -> None:
    plain, pictures = opf_metadata(built["epub"]), opf_metadata(illustrated["epub"])
    for meta in (plain, pictures):
        assert meta["schema:accessibilityHazard"] == ["none"]
        assert meta["schema:accessModeSufficient"] == ["textual"]
        assert meta["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
        assert "tableOfContents" in meta["schema:accessibilityFeature"]
        assert meta["schema:accessibilitySummary"][0]
    assert plain["schema:accessMode"] == ["textual"]
    assert "alternativeText" not in plain["schema:accessibilityFeature"]
    assert pictures["schema:accessMode"] == ["textual", "visual"]
    assert "alternativeText" in pictures["schema:accessibilityFeature"]
    digest = hashlib.sha256(CONTENT.read_bytes()).hexdigest()
    assert plain["report:source-sha256"] == [digest]
    assert plain["report:generator"] == ["report 0.1.0"]


@pytest.mark.parametrize("which", ["brief", "illustrated"])
def test_daisy_ace_finds_no_violations(
    built: dict[str, Path], illustrated: dict[str, Path], which: str, tmp_path: Path
) -> None:
    epub = built["epub"] if which == "brief" else illustrated["epub"]
    violations, outcome = ace_violations(epub, tmp_path)
    assert violations == []
    assert outcome == "pass"
