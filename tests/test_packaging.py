"""A regular install: the wheel holds the code, templates, strings, fonts and themes, and the
installed `report` command builds a brief from a folder that holds nothing else."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, copy_project, pdf_pages


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel and installed (not editable) into a folder of its own."""
    work = tmp_path_factory.mktemp("wheel")
    # From a clean copy: the wheel must not depend on what a build left in the checkout.
    project = copy_project(work / "project")
    wheels = work / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(wheels),
            str(project),
        ],
        check=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("report-*.whl")
    target = work / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=600,
    )
    return target


def test_the_wheel_carries_every_subpackage_and_the_package_data(installed: Path) -> None:
    package = installed / "report"
    for module in ("cli.py", "content/loader.py", "render/templates.py", "outputs/pdf.py"):
        assert (package / module).is_file(), module
    for data in (
        "templates/print.html",
        "templates/strings/en.yaml",
        "templates/strings/ru.yaml",
        "templates/fonts/CharisSIL-Regular.ttf",
        "templates/css/brief.css",
        "templates/epub/section.xhtml",
        "themes/compact/css/theme-print.css",
    ):
        assert (package / data).is_file(), data


def run_installed(installed: Path, folder: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run a command with the installed wheel first on the path (before the editable install)."""
    env = {**os.environ, "PYTHONPATH": str(installed)}
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_the_installed_command_builds_a_brief_from_any_folder(
    installed: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "anywhere"
    folder.mkdir()
    shutil.copy(FIXTURES / "brief-ru.yaml", folder / "brief.yaml")
    probe = "import report.render.templates as t; print(t.BASE_TEMPLATES)"
    where = run_installed(installed, folder, sys.executable, "-c", probe)
    assert Path(where.stdout.strip()) == installed / "report" / "templates"
    build = [str(installed / "bin" / "report"), "build", "brief.yaml", "-f", "pdf,epub,html"]
    result = run_installed(installed, folder, *build)
    assert result.returncode == 0, result.stderr
    assert "Беларусь" in "\n".join(pdf_pages(folder / "build" / "brief.pdf"))
    with zipfile.ZipFile(folder / "build" / "brief.epub") as book:
        assert any(name.startswith("EPUB/fonts/") for name in book.namelist())
    assert (folder / "build" / "brief" / "index.html").is_file()
    assert "nothing to build" in run_installed(installed, folder, *build).stdout


def test_the_up_to_date_check_covers_every_file_of_the_package(
    installed: Path, tmp_path: Path
) -> None:
    """An edit anywhere in the installed package, subpackages and data included, rebuilds."""
    probe = "from report.cache import code_digests; print('\\n'.join(code_digests()))"
    listed = run_installed(installed, tmp_path, sys.executable, "-c", probe).stdout.split()
    assert {"cli.py", "content/model.py", "render/epub_edition.py", "outputs/pdf.py"} <= set(listed)
    assert "templates/print.html" in listed and "themes/compact/css/theme-print.css" in listed
    assert not any("__pycache__" in name for name in listed)


def test_a_component_of_your_own_works_with_the_installed_package(
    installed: Path, tmp_path: Path
) -> None:
    """Step 4 of docs/customizing.md, as written, run by the installed (not editable) command:
    a component needs nothing of the package's source."""
    from tests.test_docs import WALKTHROUGH, shell_blocks

    folder = tmp_path / "project"
    (folder / "content").mkdir(parents=True)
    shutil.copy(
        ROOT / "content" / "belarus-nato.yaml", folder / "content" / "belarus-nato-2027.yaml"
    )
    (folder / ".venv" / "bin").mkdir(parents=True)
    (folder / ".venv" / "bin" / "report").symlink_to(installed / "bin" / "report")
    step = shell_blocks(WALKTHROUGH.read_text(encoding="utf-8"))[3]
    assert "components/recommendation.html" in step
    result = run_installed(installed, folder, "bash", "-euo", "pipefail", "-c", step)
    assert result.returncode == 0, result.stderr
    build = folder / "build"
    assert "The Government of Belarus" in "\n".join(pdf_pages(build / "belarus-nato-2027.pdf"))
    with zipfile.ZipFile(build / "belarus-nato-2027.epub") as book:
        chapter = book.read("EPUB/text/recommendations.xhtml").decode()
    assert 'class="recommendation-to">The Government of Belarus' in chapter
    web = (build / "belarus-nato-2027" / "index.html").read_text(encoding="utf-8")
    assert 'class="block-recommendation"' in web
    assert "block-recommendation" in (build / "belarus-nato-2027.schema.json").read_text()
