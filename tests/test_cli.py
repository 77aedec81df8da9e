"""The command line as a user runs it: exit codes, messages, outputs."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FIXTURES, listing, run_report

run = run_report


def test_build_one_format_reports_what_it_wrote(tmp_path: Path) -> None:
    result = run("build", str(FIXTURES / "minimal.yaml"), "-o", str(tmp_path), "-f", "epub")
    assert result.returncode == 0, result.stderr
    target = tmp_path / "minimal.epub"
    assert target.is_file()
    assert not (tmp_path / "minimal.pdf").exists()
    assert f"wrote {target} (" in result.stdout
    assert " KiB, " in result.stdout and " s)" in result.stdout
    assert result.stderr == ""


def test_build_without_files_builds_every_content_file(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "content").mkdir(parents=True)
    for name in ("one", "two"):
        (project / "content" / f"{name}.yaml").write_text(
            (FIXTURES / "minimal.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    result = run("build", "-f", "epub", cwd=project)
    assert result.returncode == 0, result.stderr
    assert listing(project / "build") == ["one.epub", "two.epub"]


def test_missing_file_is_a_usage_error_without_traceback(tmp_path: Path) -> None:
    result = run("build", str(tmp_path / "nope.yaml"), "-o", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == f"report: error: {tmp_path / 'nope.yaml'}: no such content file"
    assert "Traceback" not in result.stderr


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    result = run("build", str(FIXTURES / "minimal.yaml"), "-o", str(tmp_path), "-f", "docx")
    assert result.returncode == 2
    assert "unknown format 'docx'; choose from pdf, epub" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_option_is_a_usage_error() -> None:
    result = run("build", "--no-such-option")
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-option" in result.stderr


def test_content_errors_are_located_and_listed_together(tmp_path: Path) -> None:
    broken = FIXTURES / "broken.yaml"
    result = run("build", str(broken), "-o", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{broken}:8:9: '2025-02-30' is not a real date" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_every_validation_problem_is_reported_at_once(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text((FIXTURES / "broken.yaml").read_text().replace("2025-02-30", "2025-02-28"))
    result = run("build", str(broken), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert f"{broken}:2:1: unknown key 'topc'; did you mean 'topic'?" in lines
    assert any(f"{broken}:3:9: author:" in line and "found False" in line for line in lines)
    assert any(f"{broken}:10:11: sections: must not be empty" in line for line in lines)
    # 'topc' is already reported as a typo of 'topic': no second line saying 'topic' is missing
    assert not any("missing required key 'topic'" in line for line in lines)


def test_failed_build_keeps_the_previous_output(tmp_path: Path) -> None:
    good = tmp_path / "brief.yaml"
    good.write_text((FIXTURES / "minimal.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert run("build", str(good), "-o", str(tmp_path / "out"), "-f", "epub").returncode == 0
    previous = (tmp_path / "out" / "brief.epub").read_bytes()
    good.write_text(good.read_text(encoding="utf-8").replace("lead: A short lead.", "lead: [a"))
    result = run("build", str(good), "-o", str(tmp_path / "out"), "-f", "epub")
    assert result.returncode == 1
    assert (tmp_path / "out" / "brief.epub").read_bytes() == previous
    assert listing(tmp_path / "out") == ["brief.epub"]


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("report ")


def test_check_validates_without_writing(tmp_path: Path) -> None:
    result = run("check", str(FIXTURES / "minimal.yaml"), str(FIXTURES / "broken.yaml"))
    assert result.returncode == 1
    assert f"{FIXTURES / 'broken.yaml'}:8:9: '2025-02-30' is not a real date" in result.stderr
    ok = run("check")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "ok content/belarus-nato.yaml\n"


def test_schema_is_json_schema_of_the_model() -> None:
    import json

    result = run("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "Brief"
    assert "sections" in schema["required"] and schema["additionalProperties"] is False
