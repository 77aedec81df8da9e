"""The build as a whole: reproducible outputs, nothing written when anything fails."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from report.errors import ContentError, OutputError, UsageError
from report.pipeline import build
from tests.conftest import CONTENT, FIXTURES, listing


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_builds_are_byte_identical(built: dict[str, Path], tmp_path: Path) -> None:
    again = {result.path.suffix: result.path for result in build([CONTENT], tmp_path)}
    assert digest(again[".pdf"]) == digest(built["pdf"])
    assert digest(again[".epub"]) == digest(built["epub"])


def test_one_bad_file_stops_the_whole_build_before_any_write(tmp_path: Path) -> None:
    good = FIXTURES / "minimal.yaml"
    with pytest.raises(ContentError):
        build([good, FIXTURES / "broken.yaml"], tmp_path / "out", formats=["epub"])
    assert not (tmp_path / "out").exists()


def test_outputs_replace_previous_ones_without_leftovers(tmp_path: Path) -> None:
    build([FIXTURES / "minimal.yaml"], tmp_path, formats=["epub"])
    (tmp_path / "minimal.epub").write_bytes(b"old")
    build([FIXTURES / "minimal.yaml"], tmp_path, formats=["epub"])
    assert (tmp_path / "minimal.epub").read_bytes().startswith(b"PK")
    assert listing(tmp_path) == ["minimal.epub"]


def test_two_files_with_one_name_are_refused(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.yaml").write_bytes((FIXTURES / "minimal.yaml").read_bytes())
    with pytest.raises(UsageError, match="would both write"):
        build([tmp_path / "a" / "x.yaml", tmp_path / "b" / "x.yaml"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_failed_write_replaces_no_output(tmp_path: Path) -> None:
    source = FIXTURES / "minimal.yaml"
    (tmp_path / "minimal.pdf").write_bytes(b"previous pdf")
    (tmp_path / "minimal.epub").mkdir()  # the EPUB cannot be written
    with pytest.raises(OutputError):
        build([source], tmp_path)
    assert (tmp_path / "minimal.pdf").read_bytes() == b"previous pdf"
    assert listing(tmp_path) == ["minimal.epub", "minimal.pdf"]


def test_a_shelf_of_small_briefs_builds_on_every_core_and_a_large_brief_in_one_process(
    tmp_path: Path,
) -> None:
    """Peak memory is one brief's layout per process, so the largest file decides whether a
    build runs in one process (a 256 KiB file), not the sum of a shelf's small ones."""
    import os

    from report.options import BuildOptions
    from report.pipeline import _processes

    shelf = []
    for number in range(30):  # 30 × 12 KB: more than 256 KiB in all
        shelf.append(tmp_path / f"brief-{number}.yaml")
        shelf[-1].write_bytes(CONTENT.read_bytes())
    large = tmp_path / "large.yaml"
    large.write_bytes(CONTENT.read_bytes() * 25)
    options = BuildOptions(("pdf", "epub"))
    assert _processes(shelf, options) == (os.cpu_count() or 1)
    assert _processes([*shelf, large], options) == 1
    assert _processes([*shelf, large], BuildOptions(("pdf",), workers=2)) == 2  # -j wins
