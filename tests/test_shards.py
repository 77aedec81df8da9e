"""Builds past one machine: `report build --shard K/N` and `report collect`.

The shards run as separate `report` processes into separate folders, as CI jobs or Kubernetes
pods would; what `collect` assembles must be, file for file and byte for byte, what a single
build of the same content writes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from report import commands
from report.cache import fingerprint
from report.cli import _parser
from report.shards import ShardSpec, parse_spec, slices
from report.version import __version__
from tests.conftest import CONTENT, FIXTURES, copy_project, dump_yaml, run_report

# The briefs of a small shelf and the variants made of them (a new title and language each).
ORIGINALS = [CONTENT, FIXTURES / "minimal.yaml", FIXTURES / "brief-ru.yaml"]
VARIANTS = [("fr", "Coopération"), ("de", "Zusammenarbeit"), ("be", "Супрацоўніцтва")]


def make_shelf(folder: Path) -> Path:
    """A project folder whose content/ holds the originals and a copy of each with another
    title and language: six briefs of different sizes."""
    content = folder / "content"
    content.mkdir(parents=True)
    for number, (source, (language, word)) in enumerate(zip(ORIGINALS, VARIANTS, strict=True)):
        shutil.copy(source, content / source.name)
        brief = yaml.safe_load(source.read_text(encoding="utf-8"))
        brief["title"] = f"{word}: {brief['title']}"
        brief["edition"]["language"] = language
        brief["edition"]["identifier"] = f"urn:uuid:00000000-0000-4000-8000-00000000010{number}"
        (content / f"{source.stem}-{language}.yaml").write_text(dump_yaml(brief), "utf-8")
    return folder


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file below a folder (hidden ones too) by its name inside it, with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def ok(*args: str, cwd: Path) -> str:
    result = run_report(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def build_shards(project: Path, count: int, *options: str, prefix: str = "shard") -> list[Path]:
    """Run each shard as a process of its own into a folder of its own; even shards are given
    the content files by name in reverse order, odd ones find them in content/."""
    names = sorted(path.relative_to(project).as_posix() for path in project.glob("content/*"))
    folders = []
    for index in range(1, count + 1):
        folder = project / f"{prefix}-{index}"
        files = names[::-1] if index % 2 == 0 else []
        ok("build", "--shard", f"{index}/{count}", *options, "-o", folder.name, *files, cwd=project)
        folders.append(folder)
    return folders


# --- The shard spec and the slices ---------------------------------------------------------


def test_a_shard_spec_is_k_of_n_counted_from_one() -> None:
    assert parse_spec("2/4") == ShardSpec(2, 4)
    assert parse_spec("1/1") == ShardSpec(1, 1)
    assert str(parse_spec("4/4")) == "4/4"


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("5/4", "K must be between 1 and 4"),
        ("0/3", "K must be between 1 and 3"),
        ("a/b", "expected K/N"),
        ("1/0", "N must be at least 1"),
        ("2", "expected K/N"),
        ("1/2/3", "expected K/N"),
        ("-1/2", "expected K/N"),
    ],
)
def test_a_bad_shard_spec_is_a_usage_error_and_writes_nothing(
    tmp_path: Path, spec: str, says: str
) -> None:
    project = tmp_path / "project"
    (project / "content").mkdir(parents=True)
    shutil.copy(FIXTURES / "minimal.yaml", project / "content")
    result = run_report("build", f"--shard={spec}", "-f", "epub", "-o", "out", cwd=project)
    assert result.returncode == 2
    assert f"--shard {spec!r}" in result.stderr or f"--shard {spec}:" in result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "out").exists()


def sized_files(folder: Path, sizes: dict[str, int]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, size in sizes.items():
        (folder / name).write_bytes(b"x" * size)
        paths.append(folder / name)
    return paths


def test_slices_deal_the_largest_file_to_the_lightest_slice(tmp_path: Path) -> None:
    sizes = {"a.yaml": 10, "b.yaml": 9, "c.yaml": 8, "d.yaml": 7, "e.yaml": 6, "f.yaml": 5}
    paths = sized_files(tmp_path, sizes)
    dealt = [[path.name for path in part] for part in slices(paths, 3)]
    # 10, 9, 8 open the three slices; 7 goes to the lightest (8), 6 to 9, 5 to 10: 15 each.
    assert dealt == [["a.yaml", "f.yaml"], ["b.yaml", "e.yaml"], ["c.yaml", "d.yaml"]]


def test_slices_do_not_depend_on_the_order_files_are_listed_in(tmp_path: Path) -> None:
    sizes = {f"brief-{n:02d}.yaml": 100 + (n * 37) % 11 for n in range(20)}  # many equal sizes
    paths = sized_files(tmp_path, sizes)
    dealt = slices(paths, 4)
    assert slices(paths[::-1], 4) == dealt
    assert slices(sorted(paths, key=lambda p: hashlib.sha256(p.name.encode()).digest()), 4) == dealt
    assert sorted(path for part in dealt for path in part) == sorted(paths)  # each exactly once
    loads = [sum(sizes[path.name] for path in part) for part in dealt]
    assert max(loads) - min(loads) <= max(sizes.values())


# --- The union of the shards is a single build ---------------------------------------------


@pytest.mark.parametrize(
    ("count", "formats"), [(1, "epub,html"), (3, "pdf,epub"), (4, "epub,html")]
)
def test_the_collected_shards_are_byte_identical_to_a_single_build(
    tmp_path: Path, count: int, formats: str
) -> None:
    project = make_shelf(tmp_path / "project")
    folders = build_shards(project, count, "-f", formats)
    assert all((folder / ".report-shard.json").is_file() for folder in folders)
    said = ok("collect", *(folder.name for folder in folders), "-o", "collected", cwd=project)
    assert f"from {count} shard(s) into collected" in said
    ok("build", "-f", formats, "-o", "single", cwd=project)

    collected, single = files_of(project / "collected"), files_of(project / "single")
    assert sorted(collected) == sorted(single)
    assert [name for name in single if collected[name] != single[name]] == []
    # Every brief's outputs and its up-to-date record are there, and no shard's marker.
    assert len([name for name in single if name.startswith(".report-cache/")]) == 6
    assert ".report-shard.json" not in collected
    # The records were copied because they hold in the collected folder: nothing to rebuild.
    assert "nothing to build" in ok("build", "-f", formats, "-o", "collected", cwd=project)


def test_a_shelf_collected_from_shards_is_byte_identical_to_a_single_build(
    tmp_path: Path,
) -> None:
    """With a project file, shards carry their briefs' catalog entries and no site; collect
    makes the site from all of them: the same bytes as a single build's, its record too."""
    project = make_shelf(tmp_path / "project")
    shutil.copy(FIXTURES / "shelf" / "report.yaml", project / "report.yaml")
    folders = build_shards(project, 3, "-f", "epub,html")
    assert not any((folder / "site").exists() for folder in folders)
    said = ok("collect", *(folder.name for folder in folders), "-o", "collected", cwd=project)
    assert "wrote collected/site" in said
    ok("build", "-f", "epub,html", "-o", "single", cwd=project)
    collected, single = files_of(project / "collected"), files_of(project / "single")
    assert "site/opds.xml" in single and sorted(collected) == sorted(single)
    assert [name for name in single if collected[name] != single[name]] == []
    assert "nothing to build" in ok("build", "-f", "epub,html", "-o", "collected", cwd=project)
    # Shards built without the project file cannot make its site.
    (project / "report.yaml").rename(project / "elsewhere.yaml")
    plain = build_shards(project, 2, "-f", "epub", prefix="plain")
    (project / "elsewhere.yaml").rename(project / "report.yaml")
    (project / "out").mkdir()
    (project / "out" / "before.txt").write_text("a previous file", encoding="utf-8")
    said = refused(project, *(folder.name for folder in plain))
    assert "built without the project file (report.yaml) that is here" in said


def test_a_shard_with_no_file_says_so_and_collects_as_an_empty_slice(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "content").mkdir(parents=True)
    shutil.copy(FIXTURES / "minimal.yaml", project / "content" / "one.yaml")
    shutil.copy(FIXTURES / "minimal.yaml", project / "content" / "two.yaml")
    said = ok("build", "--shard", "3/3", "-f", "epub", "-o", "shard-3", cwd=project)
    assert "shard 3/3: no content file falls to this shard" in said
    marker = json.loads((project / "shard-3" / ".report-shard.json").read_text("utf-8"))
    assert (marker["shard"], marker["of"], marker["files"]) == (3, 3, {})
    assert sorted(os.listdir(project / "shard-3")) == [".report-shard.json"]
    folders = [*build_shards(project, 2, "-f", "epub", prefix="two"), project / "shard-3"]
    # Slices of 3 and of 2 cannot be mixed: the two-shard build is redone as 3.
    result = run_report("collect", *map(str, folders), "-o", "out", cwd=project)
    assert result.returncode == 1 and "(the same N)" in result.stderr
    folders = build_shards(project, 3, "-f", "epub")
    ok("collect", *map(str, folders), "-o", "out", cwd=project)
    ok("build", "-f", "epub", "-o", "single", cwd=project)
    assert files_of(project / "out") == files_of(project / "single")


def test_a_shard_build_is_the_same_every_time(tmp_path: Path) -> None:
    project = make_shelf(tmp_path / "project")
    first = files_of(build_shards(project, 2, "-f", "epub", prefix="a")[1])
    second = files_of(build_shards(project, 2, "-f", "epub", prefix="b")[1])
    assert first == second
    marker = json.loads(first[".report-shard.json"])
    assert marker["version"] and marker["shard"] == 2 and marker["of"] == 2
    assert all(len(digest) == 64 for digest in marker["files"].values())


def test_two_content_files_with_one_name_are_refused_by_every_shard(tmp_path: Path) -> None:
    """They would land in different shards and overwrite each other's outputs in the
    collection: each shard checks the whole list, as a single build does."""
    project = tmp_path / "project"
    for folder in ("content", "more"):
        (project / folder).mkdir(parents=True)
        shutil.copy(FIXTURES / "minimal.yaml", project / folder / "brief.yaml")
    for index in (1, 2):
        args = ("build", "--shard", f"{index}/2", "-o", "out", "content/brief.yaml")
        result = run_report(*args, "more/brief.yaml", cwd=project)
        assert result.returncode == 2
        assert "would both write brief.*" in result.stderr
    assert not (project / "out").exists()


# --- What collect refuses -----------------------------------------------------------------


@pytest.fixture(scope="module")
def two_shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shelf of two briefs built as two shards (EPUB only), for the refusals below."""
    project = tmp_path_factory.mktemp("shards") / "project"
    (project / "content").mkdir(parents=True)
    shutil.copy(FIXTURES / "minimal.yaml", project / "content" / "small.yaml")
    shutil.copy(FIXTURES / "brief-ru.yaml", project / "content" / "large.yaml")
    build_shards(project, 2, "-f", "epub")
    return project


@pytest.fixture
def shards(two_shards: Path, tmp_path: Path) -> Path:
    """A copy of the two shards to spoil, and a collected folder that already holds a file."""
    project = tmp_path / "project"
    shutil.copytree(two_shards, project, symlinks=True)
    (project / "out").mkdir()
    (project / "out" / "before.txt").write_text("an earlier file")
    return project


def edit_marker(folder: Path, change: dict[str, object]) -> None:
    marker = folder / ".report-shard.json"
    data = json.loads(marker.read_text("utf-8"))
    data.update(change)
    marker.write_text(json.dumps(data), "utf-8")


def refused(project: Path, *folders: str, code: int = 1) -> str:
    """Collect into out/, which must fail with `code` and leave out/ as it was."""
    result = run_report("collect", *folders, "-o", "out", cwd=project)
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(os.listdir(project / "out")) == ["before.txt"]
    return result.stderr


def test_collect_assembles_into_a_folder_that_already_has_files(shards: Path) -> None:
    ok("collect", "shard-1", "shard-2", "-o", "out", cwd=shards)
    assert sorted(os.listdir(shards / "out")) == [
        ".report-cache",
        "before.txt",
        "large.epub",
        "small.epub",
    ]


def test_a_folder_that_is_not_a_shard_is_a_usage_error(shards: Path) -> None:
    assert "content: not a shard's output" in refused(shards, "shard-1", "content", code=2)
    assert "missing: no such folder" in refused(shards, "shard-1", "missing", code=2)
    assert "shard-1: named twice" in refused(shards, "shard-1", "shard-1", code=2)
    result = run_report("collect", "shard-1", "shard-2", "-o", "shard-2", cwd=shards)
    assert result.returncode == 2 and "shard-2: collect into a folder of its own" in result.stderr


def test_a_shard_of_another_version_is_refused(shards: Path) -> None:
    edit_marker(shards / "shard-2", {"version": "0.0.1"})
    assert "shard-2: built by report 0.0.1, not by this report" in refused(
        shards, "shard-1", "shard-2"
    )


def test_a_missing_or_repeated_shard_is_refused(shards: Path) -> None:
    assert "shard(s) 2 of 2 missing" in refused(shards, "shard-1")
    shutil.copytree(shards / "shard-1", shards / "again")
    said = refused(shards, "shard-1", "again", "shard-2")
    assert "shard 1/2 given more than once: shard-1 and again" in said


def test_shards_of_other_content_or_options_are_refused(shards: Path) -> None:
    edit_marker(shards / "shard-2", {"content": "0" * 64})
    assert "shard-2: cut from other content files than shard-1" in refused(
        shards, "shard-1", "shard-2"
    )
    edit_marker(shards / "shard-2", {"options": {"formats": ["pdf"]}})
    assert "shard-2: built with other options than shard-1" in refused(shards, "shard-1", "shard-2")


def test_two_shards_handing_over_one_file_are_refused(shards: Path) -> None:
    marker = json.loads((shards / "shard-1" / ".report-shard.json").read_text("utf-8"))
    (name,) = [name for name in marker["files"] if name.endswith(".epub")]
    shutil.copy(shards / "shard-1" / name, shards / "shard-2" / name)
    edit_marker(shards / "shard-2", {"files": {**marker["files"], name: marker["files"][name]}})
    assert f"{name}: written by both shard-1 and shard-2" in refused(shards, "shard-1", "shard-2")


def test_a_file_changed_or_removed_since_the_shard_was_built_is_refused(shards: Path) -> None:
    (epub,) = (shards / "shard-2").glob("*.epub")
    epub.write_bytes(b"changed")
    said = refused(shards, "shard-1", "shard-2")
    assert f"shard-2/{epub.name}: changed since the shard was built" in said
    epub.unlink()
    assert f"shard-2/{epub.name}: cannot read" in refused(shards, "shard-1", "shard-2")


@pytest.mark.parametrize(
    "name",
    [
        "../escaped.epub",
        "/etc/passwd",
        "a/../../b.epub",
        ".git/config",
        ".report-shard.json",
        ".report-cache/.hidden",
        "./x.epub",
        "a\\b.epub",
    ],
)
def test_a_marker_naming_a_file_outside_the_folder_is_refused(shards: Path, name: str) -> None:
    edit_marker(shards / "shard-2", {"files": {name: "0" * 64}})
    said = refused(shards, "shard-1", "shard-2")
    assert f"shard-2/.report-shard.json: {name!r}" in said


def test_a_link_in_a_shard_is_not_followed(shards: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not the shard's")
    (shards / "shard-2" / "linked.epub").symlink_to(secret)
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    marker = json.loads((shards / "shard-2" / ".report-shard.json").read_text("utf-8"))
    edit_marker(shards / "shard-2", {"files": {**marker["files"], "linked.epub": digest}})
    assert "shard-2/linked.epub: cannot read" in refused(shards, "shard-1", "shard-2")


@pytest.mark.parametrize(
    "marker",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"version": __version__, "format": 1, "shard": 3, "of": 2}).encode(),
        b"\xff",
    ],
)
def test_a_damaged_marker_is_refused_with_its_place(shards: Path, marker: bytes) -> None:
    (shards / "shard-2" / ".report-shard.json").write_bytes(marker)
    assert "shard-2/.report-shard.json: " in refused(shards, "shard-1", "shard-2")


# --- The up-to-date check of a shelf -------------------------------------------------------


def test_folders_are_listed_once_per_pass_and_again_in_the_next(tmp_path: Path) -> None:
    """Briefs checked in one pass share a template folder's listing; the next pass (the next
    build, or the next save in `report serve`) sees a changed file."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html").write_text("one")
    trees: dict = {}
    first = fingerprint([], [folder], {}, trees)
    (folder / "page.html").write_text("two")
    assert fingerprint([], [folder], {}, trees) == first  # one pass, one listing
    assert fingerprint([], [folder], {}, {}) != first
    assert fingerprint([], [folder], {}) != first


def test_a_shared_template_changed_rebuilds_every_brief_of_the_shelf(tmp_path: Path) -> None:
    copy = copy_project(tmp_path / "copy")
    for name in ("one", "two", "three"):
        shutil.copy(FIXTURES / "minimal.yaml", copy / "content" / f"{name}.yaml")
    env = {**os.environ, "PYTHONPATH": str(copy)}
    build = ["build", "-f", "epub", "-o", "out"]
    assert run_report(*build, cwd=copy, env=env).returncode == 0
    assert "nothing to build" in run_report(*build, cwd=copy, env=env).stdout
    css = copy / "templates" / "css" / "brief.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.lead { font-size: 1.3em; }\n", "utf-8")
    said = run_report(*build, cwd=copy, env=env).stdout
    for name in ("one", "two", "three", "belarus-nato"):
        assert f"wrote out/{name}.epub" in said


# --- The worked examples of docs/scaling.md -----------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


def report_args(command: str, env: dict[str, str]) -> list[list[str]]:
    """The `report` command a script line runs, with its arguments as the shell expands them
    (in a real shell, with the engine's variables; `report` itself only prints); none for a
    line that runs something else (it is not run)."""
    if command.split(maxsplit=1)[:1] != ["report"]:
        return []
    shim = 'report() { printf "%s\\0" report "$@"; printf "\\n\\0"; }; '
    result = subprocess.run(
        ["sh", "-c", shim + command],
        env={**env, "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )
    calls = result.stdout.split("\n\0")
    return [call.strip("\0").split("\0")[1:] for call in calls if call.strip("\0")]


def parsed(args: list[str]) -> argparse.Namespace:
    """The arguments as `report` reads them: an unknown command or option fails here."""
    try:
        return _parser().parse_args(args)
    except SystemExit:
        pytest.fail(f"not a valid report command: report {' '.join(args)}")


def check_shards_then_collect(shard_calls: list[list[str]], collect_calls: list[list[str]]) -> None:
    """The shard jobs build K/N for every K of one N, each into its own folder, and the collect
    job collects exactly those folders."""
    builds = [parsed(args) for args in shard_calls]
    assert builds and all(args.run is commands.build_command for args in builds)
    specs = [parse_spec(args.shard) for args in builds]
    count = specs[0].count
    assert sorted(spec.index for spec in specs) == list(range(1, count + 1))
    assert {spec.count for spec in specs} == {count}
    folders = [args.output for args in builds]
    assert len(set(folders)) == count
    (collect,) = [parsed(args) for args in collect_calls]
    assert collect.run is commands.collect_command
    assert sorted(collect.folders) == sorted(folders)
    assert collect.output not in folders


def test_the_github_actions_example_builds_every_shard_then_collects() -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text("utf-8"))
    shard, collect = workflow["jobs"]["shard"], workflow["jobs"]["collect"]
    assert collect["needs"] == "shard"
    shard_calls = [
        call
        for value in shard["strategy"]["matrix"]["shard"]
        for step in shard["steps"]
        for call in report_args(step.get("run", "").replace("${{ matrix.shard }}", str(value)), {})
    ]
    collect_calls = [
        call for step in collect["steps"] for call in report_args(step.get("run", ""), {})
    ]
    check_shards_then_collect(shard_calls, collect_calls)
    uploads = [step for step in shard["steps"] if "upload-artifact" in step.get("uses", "")]
    assert uploads[0]["with"]["include-hidden-files"] is True  # the marker is a hidden file


def test_the_gitlab_example_builds_every_shard_then_collects() -> None:
    pipeline = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text("utf-8"))
    shard, collect = pipeline["shard"], pipeline["collect"]
    count = shard["parallel"]
    shard_calls = [
        call
        for index in range(1, count + 1)  # GitLab's CI_NODE_INDEX counts from 1
        for line in shard["script"]
        for call in report_args(line, {"CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": str(count)})
    ]
    collect_calls = [call for line in collect["script"] for call in report_args(line, {})]
    check_shards_then_collect(shard_calls, collect_calls)
    assert collect["needs"] == ["shard"]


def test_the_kubernetes_example_builds_every_shard_then_collects() -> None:
    shards_job, collect_job = yaml.safe_load_all(
        (EXAMPLES / "k8s-indexed-job.yaml").read_text("utf-8")
    )
    spec = shards_job["spec"]
    assert spec["completionMode"] == "Indexed"
    (container,) = spec["template"]["spec"]["containers"]
    assert container["command"] == ["sh", "-c"]
    shard_calls = [
        call
        for index in range(spec["completions"])  # Kubernetes' index counts from 0
        for call in report_args(" ".join(container["args"]), {"JOB_COMPLETION_INDEX": str(index)})
    ]
    (collector,) = collect_job["spec"]["template"]["spec"]["containers"]
    assert collector["command"][0] == "report"
    check_shards_then_collect(shard_calls, [collector["command"][1:]])
