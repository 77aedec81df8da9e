"""A corpus of bad content files: each fails with a message at the expected line and column.

Each file in tests/bad/ starts with `# expect: LINE:COLUMN fragment` (or `# expect: - fragment`
for a problem with the whole file).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from report import load_brief
from report.content.yaml_reader import MAX_BYTES
from report.errors import ContentError
from report.pipeline import build, check

BAD = sorted((Path(__file__).parent / "bad").glob("*.yaml"))


def expectation(path: Path) -> tuple[str, str]:
    header = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    match = re.fullmatch(r"# expect: (\d+:\d+|-) (.+)", header)
    assert match, f"{path.name}: first line must be '# expect: LINE:COLUMN fragment'"
    where = f"{path}:{match[1]}: " if match[1] != "-" else f"{path}: "
    return where, match[2]


def test_the_corpus_is_large_enough() -> None:
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=lambda path: path.stem)
def test_bad_input_is_reported_where_it_is(path: Path) -> None:
    where, fragment = expectation(path)
    with pytest.raises(ContentError) as caught:
        check([path])
    problems = caught.value.problems
    assert any(p.startswith(where) and fragment in p for p in problems), problems


def test_a_50_megabyte_file_is_refused_before_parsing(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("w", encoding="utf-8") as stream:
        stream.write("title: x\nlead: |\n")
        line = "  " + "a" * 1022 + "\n"
        for _ in range(50 * 1024):
            stream.write(line)
    assert huge.stat().st_size > MAX_BYTES
    with pytest.raises(
        ContentError, match=r"huge.yaml: file is [\d,]+ bytes; content files are capped"
    ):
        load_brief(huge)


@pytest.mark.parametrize("path", BAD, ids=lambda path: path.stem)
def test_bad_input_builds_nothing(path: Path, tmp_path: Path) -> None:
    with pytest.raises(ContentError):
        build([path], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_problems_of_every_file_are_reported_together(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as caught:
        build(BAD[:3], tmp_path / "out")
    assert {problem.split(":")[0] for problem in caught.value.problems} == {
        str(path) for path in BAD[:3]
    }
