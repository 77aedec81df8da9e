"""Up-to-date builds are skipped cheaply; any change to an input builds again; -j; progress."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from report.commands import Progress, progress_for
from report.pipeline import build
from tests.conftest import FIXTURES, ROOT, copy_project, run_report

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


def test_progress_shows_each_stage_when_asked(project: Path) -> None:
    shown = run("build", "--force", "--progress", "-j", "1", cwd=project)
    assert shown.returncode == 0, shown.stderr
    stages = [line.split(" [")[0].strip() for line in shown.stderr.splitlines()]
    assert stages[:2] == ["brief: rendering PDF", "brief: PDF rendered in " + stages[1][23:]]
    assert "brief: writing EPUB" in stages
    quiet = run("build", "--force", cwd=project)  # not a terminal, not asked: nothing
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_progress_at_a_terminal_waits_for_a_slow_build() -> None:
    """Stage lines are held back for the first second, then shown with those held."""
    now = [0.0]
    stream = io.StringIO()
    progress = Progress(stream, delay=1.0, clock=lambda: now[0])
    progress(Path("brief.yaml"), "rendering PDF")
    now[0] = 0.5
    progress(Path("brief.yaml"), "writing EPUB")
    assert stream.getvalue() == ""  # a fast build says nothing
    now[0] = 1.5
    progress(Path("brief.yaml"), "PDF rendered in 1.5 s")
    assert stream.getvalue().splitlines() == [
        "  brief: rendering PDF",
        "  brief: writing EPUB",
        "  brief: PDF rendered in 1.5 s [1.5 s]",
    ]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "asked", "expected"),
    [(Terminal(), False, 1.0), (Terminal(), True, 0.0), (io.StringIO(), True, 0.0)],
    ids=["terminal", "terminal-asked", "pipe-asked"],
)
def test_progress_is_shown_at_a_terminal_or_when_asked(
    stream: io.StringIO, asked: bool, expected: float
) -> None:
    progress = progress_for(stream, asked)
    assert progress is not None and progress.delay == expected and progress.stream is stream


def test_no_progress_into_a_pipe_unless_asked() -> None:
    assert progress_for(io.StringIO(), asked=False) is None


def test_derived_data_is_kept_in_the_user_cache(project: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    for _ in range(2):
        result = run("build", "--force", "-f", "epub", cwd=project, env=env)
        assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(project / "build" / "brief.epub") as epub:
        fonts = [name for name in epub.namelist() if name.startswith("EPUB/fonts/")]
    # One cover, one subset of each font and the fonts' common characters, made by the first
    # build and reused by the second.
    assert len(list((tmp_path / "xdg" / "report" / "assets").iterdir())) == 1 + len(fonts) + 1
    assert list((tmp_path / "xdg" / "report" / "templates").iterdir())  # compiled templates


def test_a_kept_font_subset_is_the_one_harfbuzz_makes(tmp_path: Path) -> None:
    from report.render.fonts import BASIC_CHARACTERS, _subset

    font = ROOT / "templates" / "fonts" / "CharisSIL-Regular.ttf"
    probe = (
        "import hashlib, sys; from pathlib import Path; "
        "from report.render.fonts import subset_font; "
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


def test_a_read_only_user_cache_only_costs_time(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "xdg"
    cache.write_text("a file where the cache folder goes: nothing can be kept, even by root")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    result = run("build", "--force", cwd=project, env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "build" / "brief.pdf").is_file()


def test_a_build_record_that_cannot_be_written_is_a_warning(project: Path) -> None:
    (project / "build").mkdir()
    (project / "build" / ".report-cache").write_text("a file where the folder goes")
    result = run("build", "-f", "epub", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "report: warning:" in result.stderr and "will not reuse its outputs" in result.stderr
    assert (project / "build" / "brief.epub").is_file()
