"""The customizing walkthrough runs as written, step by step, in a copy of the project."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT, copy_project, pdf_pages

WALKTHROUGH = ROOT / "docs" / "customizing.md"


def shell_blocks(markdown: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", markdown, flags=re.DOTALL)


def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    # The copy's .venv/bin/report runs the copy's code, as `make build` would have set it up.
    bin_dir = project / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "report").write_text(f'#!/bin/sh\nexec {sys.executable} -m report "$@"\n')
    (bin_dir / "report").chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(project)}
    blocks = shell_blocks(WALKTHROUGH.read_text(encoding="utf-8"))
    assert len(blocks) == 4
    for number, block in enumerate(blocks, start=1):
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"step {number} failed:\n{block}\n{result.stderr}"

    out = project / "build"
    pages = pdf_pages(out / "belarus-nato-2027.pdf")
    text = "\n".join(pages)
    assert "Edition 2 · 1 June 2027" in text
    assert "Updated for the 2027 review" in pages[0]
    assert "Recommendations" in text and "The Government of Belarus" in text
    assert "What changed in this edition" in text
    with zipfile.ZipFile(out / "belarus-nato-2027.epub") as book:
        assert b"#7a1f3d" in book.read("EPUB/css/style.css")
        chapter = book.read("EPUB/text/recommendations.xhtml").decode()
        assert '<div class="block-recommendation" id="recommendations-1">' in chapter
        assert "<em>Individual Partnership and Cooperation Programme</em>" in chapter
    web = (out / "belarus-nato-2027" / "index.html").read_text(encoding="utf-8")
    assert 'class="recommendation-to">The Government of Belarus' in web
    schema = json.loads((out / "belarus-nato-2027.schema.json").read_text(encoding="utf-8"))
    assert "component-recommendation" in schema["$defs"]
