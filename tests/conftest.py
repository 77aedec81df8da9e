"""Shared fixtures: the brief is built once per test session, for real, into a temp folder."""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import etree

from report.pipeline import build

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content" / "belarus-nato.yaml"
SOURCE = ROOT / "content" / "sources" / "belarus-nato-cooperation.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
XHTML = "{http://www.w3.org/1999/xhtml}"

# Derived data (the validator, compiled templates, covers, font subsets) goes to a cache of the
# test run's own, never to the developer's, so each run starts from nothing and leaves nothing.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="report-tests-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the brief's PDF and EPUB once; return their paths by format."""
    out = tmp_path_factory.mktemp("build")
    written = build([CONTENT], out)
    return {result.path.suffix.lstrip("."): result.path for result in written}


def canonical(text: str) -> str:
    """Compare text as a reader would: ignore layout whitespace, hyphenation and list bullets."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\u00ad\u0002\-\u2010\u2022]", "", text)


def epub_documents(path: Path) -> list[tuple[str, etree._Element]]:
    """Return the spine's XHTML documents, in reading order, parsed."""
    with zipfile.ZipFile(path) as book:
        opf = etree.fromstring(book.read("EPUB/content.opf"))
        ns = {"opf": "http://www.idpf.org/2007/opf"}
        hrefs = {item.get("id"): item.get("href") for item in opf.iterfind(".//opf:item", ns)}
        order = [hrefs[ref.get("idref")] for ref in opf.iterfind(".//opf:itemref", ns)]
        return [(href, etree.fromstring(book.read(f"EPUB/{href}"))) for href in order]


def epub_text(path: Path) -> str:
    """Return the text of the whole book in reading order, skipping the navigation document."""
    parts = []
    for href, root in epub_documents(path):
        if href == "nav.xhtml":
            continue
        body = root.find(f"{XHTML}body")
        parts.append(" ".join(body.itertext()))
    return "\n".join(parts)


# The page margins of print.css: running headers and footers live outside this box.
MARGIN_TOP_PT = 24 / 25.4 * 72
MARGIN_BOTTOM_PT = 26 / 25.4 * 72


def pdf_pages(path: Path, body_only: bool = True) -> list[str]:
    """Return each page's text; with body_only, without the running header and footer."""
    import pypdfium2 as pdfium

    pages = []
    document = pdfium.PdfDocument(path)
    try:
        for page in document:
            width, height = page.get_size()
            text = page.get_textpage()
            if body_only:
                pages.append(
                    text.get_text_bounded(0, MARGIN_BOTTOM_PT, width, height - MARGIN_TOP_PT)
                )
            else:
                pages.append(text.get_text_range())
    finally:
        document.close()
    return pages


def source_sentences() -> list[str]:
    """Return every sentence of the statement, with the two corrections the README names."""
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    # The first two non-empty lines are navigation labels of the page, not the statement.
    statement = [line.strip() for line in lines if line.strip()][2:]
    text_lines = [line.lstrip("• ").strip() for line in statement]
    sentences = []
    for line in text_lines:
        line = line.replace("programmme", "programme").replace("form NATO", "from NATO")
        sentences += re.split(r"(?<=[.!?])\s+(?=[A-Z“])", line)
    return [sentence for sentence in sentences if sentence]


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def dump_yaml(data: object) -> str:
    """Write YAML without anchors and aliases, which content files refuse."""
    return yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False)


def repeated_brief(path: Path, copies: int) -> Path:
    """Write the brief with its sections repeated `copies` times (unique ids) to `path`."""
    brief = yaml.safe_load(CONTENT.read_text(encoding="utf-8"))
    brief["sections"] = [
        {**section, "id": f"{section['id']}-{copy}"}
        for copy in range(copies)
        for section in brief["sections"]
    ]
    path.write_text(dump_yaml(brief), encoding="utf-8")
    return path


def listing(folder: Path) -> list[str]:
    """Names in an output folder, leaving out the build cache (temporary files stay visible)."""
    return sorted(path.name for path in folder.iterdir() if path.name != ".report-cache")


def copy_project(target: Path) -> Path:
    """Copy the project's sources (not its environment, outputs or tests) to `target`."""
    ignore = shutil.ignore_patterns(
        ".venv",
        "build",
        ".git",
        "__pycache__",
        ".pytest_cache",
        ".hypothesis",
        "tests",
        "node_modules",
        "*.egg-info",
    )
    shutil.copytree(ROOT, target, ignore=ignore)
    return target


def run_report(
    *args: str,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    umask: int = -1,  # -1: the test process's own
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run the command line as a user would, in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "report", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        umask=umask,
    )


ACE = ROOT / "node_modules" / ".bin" / "ace-cli"


def ace_violations(epub: Path, folder: Path) -> tuple[list[tuple[str, str]], str]:
    """Run DAISY Ace on a book (with Debian's Chromium); return its violations (title,
    description) and its overall outcome."""
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": "/usr/bin/chromium"}
    result = subprocess.run(
        [str(ACE), "--silent", "-o", str(folder / "ace"), str(epub)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((folder / "ace" / "report.json").read_text(encoding="utf-8"))
    violations = [
        (check["earl:test"]["dct:title"], check["earl:result"].get("dct:description"))
        for document in report["assertions"]
        for check in document["assertions"]
    ]
    return violations, report["earl:result"]["earl:outcome"]


def problems_of(path: Path) -> str:
    """The problems loading a content file reports, one a line (it must fail to load)."""
    from report.content.loader import load_brief
    from report.errors import ContentError

    with pytest.raises(ContentError) as caught:
        load_brief(path)
    return "\n".join(caught.value.problems)
