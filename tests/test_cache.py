"""Up-to-date builds are skipped cheaply; any change to an input builds again; -j; progress."""

from __future__ import annotations

import hashlib
import os
import pty
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from report.build import build
from tests.conftest import CONTENT, FIXTURES, ROOT, copy_project, run_report

run = run_report


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "content").mkdir()
    shutil.copy(FIXTURES / "minimal.yaml", tmp_path / "content" / "brief.yaml")
    return tmp_path


def test_a_second_build_reuses_the_outputs_without_loading_weasyprint(project: Path) -> None:
    assert run("build", cwd=project).returncode == 0
    probe = (
        "import sys; from report.cli import main; code = main(['build']); "
        "print('weasyprint' in sys.modules, 'pydantic' in sys.modules); sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "up to date build/brief.pdf" in result.stdout
    assert "nothing to build" in result.stdout
    assert result.stdout.strip().endswith("False False")


@pytest.mark.parametrize(
    "change",
    ["content", "template", "output", "new-override", "force"],
)
def test_any_change_builds_again(project: Path, change: str, tmp_path: Path) -> None:
    source = project / "content" / "brief.yaml"
    assert run("build", "-f", "epub", cwd=project).returncode == 0
    args = ["build", "-f", "epub"]
    if change == "content":
        source.write_text(source.read_text(encoding="utf-8").replace("A short lead.", "New lead."))
    elif change == "output":
        (project / "build" / "brief.epub").write_bytes(b"damaged")
    elif change == "new-override":
        (project / "content" / "brief" / "partials").mkdir(parents=True)
        (project / "content" / "brief" / "partials" / "paragraph.html").write_text("<p>x</p>")
    elif change == "force":
        args.append("--force")
    elif change == "template":
        # A copy of the project whose base template changes: the cache covers the templates.
        copy = copy_project(tmp_path / "copy")
        shutil.copytree(project / "content", copy / "content", dirs_exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(copy)}
        cmd = [sys.executable, "-m", "report", "build", "content/brief.yaml", "-f", "epub"]
        assert subprocess.run(cmd, cwd=copy, env=env, timeout=300).returncode == 0
        css = copy / "templates" / "css" / "brief.css"
        css.write_text(css.read_text() + "\n.lead { font-size: 1.3em; }\n")
        result = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
        assert "wrote build/brief.epub" in result.stdout
        return
    result = run(*args, cwd=project)
    assert result.returncode == 0, result.stderr
    assert "wrote build/brief.epub" in result.stdout


def test_several_files_build_in_parallel_with_the_same_result(tmp_path: Path) -> None:
    sources = []
    for name in ("one", "two", "three"):
        shutil.copy(FIXTURES / "minimal.yaml", tmp_path / f"{name}.yaml")
        sources.append(tmp_path / f"{name}.yaml")
    parallel = build(sources, tmp_path / "parallel", workers=2)
    serial = build(sources, tmp_path / "serial", workers=1)
    assert [w.path.name for w in parallel] == [w.path.name for w in serial]
    for a, b in zip(parallel, serial, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()


def test_progress_shows_stages_on_a_terminal_only(project: Path) -> None:
    """The brief takes more than a second to build; on a terminal its stages appear."""
    shutil.copy(CONTENT, project / "content" / "brief.yaml")
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "report", "build", "--force", "-j", "1"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 1024)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=300)
    terminal = b"".join(chunks).decode()
    assert "brief: rendering PDF" in terminal and "brief: PDF rendered in" in terminal
    quiet = run("build", "--force", cwd=project)
    assert quiet.stderr == ""


def test_derived_data_is_kept_in_the_user_cache(project: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    for _ in range(2):
        result = run("build", "--force", "-f", "epub", cwd=project, env=env)
        assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(project / "build" / "brief.epub") as epub:
        fonts = [name for name in epub.namelist() if name.startswith("EPUB/fonts/")]
    # One cover and one subset of each font, made by the first build and reused by the second.
    assert len(list((tmp_path / "xdg" / "report" / "assets").iterdir())) == 1 + len(fonts)
    assert list((tmp_path / "xdg" / "report" / "templates").iterdir())  # compiled templates


def test_a_kept_font_subset_is_the_one_harfbuzz_makes(tmp_path: Path) -> None:
    from report.fonts import BASIC_CHARACTERS, _subset

    font = ROOT / "templates" / "fonts" / "CharisSIL-Regular.ttf"
    probe = (
        "import hashlib, sys; from pathlib import Path; from report.fonts import subset_font; "
        "data = subset_font(Path(sys.argv[1]), 'Belarus–NATO Беларусь', Path(sys.argv[2])); "
        "print(hashlib.sha256(data).hexdigest(), 'uharfbuzz' in sys.modules)"
    )

    def subset_in_new_process() -> list[str]:
        command = [sys.executable, "-c", probe, str(font), str(tmp_path)]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()

    first, second = subset_in_new_process(), subset_in_new_process()
    wanted = "".join(sorted({*"Belarus–NATO Беларусь", *BASIC_CHARACTERS}))
    fresh = hashlib.sha256(_subset(font, wanted)).hexdigest()
    assert first == [fresh, "True"]
    assert second == [fresh, "False"]  # read back, HarfBuzz not even loaded
