"""`report check --outputs`: a store preflight that passes good files and names what is wrong."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from report.outputs import preflight
from tests.conftest import run_report


def test_good_outputs_pass_every_check(built: dict[str, Path]) -> None:
    out = built["pdf"].parent
    result = run_report(
        "check", "--outputs", "-o", str(out), "content/belarus-nato.yaml", timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("belarus-nato.")]
    assert len(rows) == 9
    assert all(" PASS " in row for row in rows), rows
    assert any("EPUBCheck" in row for row in rows) and any("DAISY Ace" in row for row in rows)


def rewrite(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """Copy an EPUB, replacing (or, with None, dropping) the named entries."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    new.writestr(info, change[info.filename])
            else:
                new.writestr(info, old.read(info))
        for name, data in change.items():
            if name not in old.namelist() and data is not None:
                new.writestr(name, data)
    return target


@pytest.fixture
def no_ace(monkeypatch: pytest.MonkeyPatch) -> None:
    """These cases are about other checks; skip the slow Ace run."""
    monkeypatch.setattr(preflight, "ACE_LOCATIONS", ())
    monkeypatch.setattr(preflight.shutil, "which", lambda name: None)


@pytest.mark.usefixtures("no_ace")
@pytest.mark.parametrize(
    ("case", "check", "detail"),
    [
        (
            "remote",
            "no remote resources",
            "<img src='https://example.org/pixel.png'>: loads from outside",
        ),
        ("glyph", "fonts cover the text", "☃"),
        ("cover", "cover", "no cover image"),
        ("name", "safe file names", "EPUB/text/bad name.xhtml"),
    ],
)
def test_a_broken_epub_fails_the_check_that_concerns_it(
    built: dict[str, Path], tmp_path: Path, case: str, check: str, detail: str
) -> None:
    with zipfile.ZipFile(built["epub"]) as book:
        chapter = book.read("EPUB/text/aims.xhtml").decode()
        opf = book.read("EPUB/content.opf").decode()
    changes: dict[str, bytes | None] = {}
    if case == "remote":
        changes["EPUB/text/aims.xhtml"] = chapter.replace(
            "</section>", '<img src="https://example.org/pixel.png" alt="x"/></section>'
        ).encode()
    elif case == "glyph":
        changes["EPUB/text/aims.xhtml"] = chapter.replace("Basing", "☃ Basing").encode()
    elif case == "cover":
        changes["EPUB/content.opf"] = opf.replace(' properties="cover-image"', "").encode()
    elif case == "name":
        changes["EPUB/text/bad name.xhtml"] = chapter.encode()
    broken = rewrite(built["epub"], tmp_path / "broken.epub", changes)
    results = {r.check: r for r in preflight.check_files([broken])}
    assert results[check].status == "fail", results[check]
    assert detail in results[check].detail
    assert results["DAISY Ace"].status == "skip"


def test_missing_outputs_fail(tmp_path: Path) -> None:
    (result,) = preflight.check_files([tmp_path / "nothing.pdf"])
    assert result.status == "fail" and "not built yet" in result.detail


def test_the_table_names_file_check_and_result() -> None:
    text = preflight.table([preflight.Result(Path("b/x.pdf"), "fonts embedded", "pass", "3")])
    assert text.splitlines()[1].split() == ["x.pdf", "fonts", "embedded", "PASS", "3"]


def test_an_unbuilt_brief_fails_the_command(tmp_path: Path) -> None:
    shutil.rmtree(tmp_path, ignore_errors=True)
    result = run_report(
        "check", "--outputs", "-o", str(tmp_path), "content/belarus-nato.yaml", timeout=600
    )
    assert result.returncode == 1
    assert "not built yet" in result.stdout and "check(s) failed" in result.stderr
