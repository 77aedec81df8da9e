"""The content validator is built by pydantic once, then read back from the user cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CONTENT, FIXTURES

# Loads a content file in a new process and says whether pydantic had to be imported for it.
PROBE = (
    "import sys; from report.content import load_brief; "
    "brief = load_brief(sys.argv[1]); print(brief.title, 'pydantic' in sys.modules)"
)


def load_in_new_process(cache_home: Path, content: Path = CONTENT) -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(content)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def cached_validators(cache_home: Path) -> list[Path]:
    return sorted((cache_home / "report" / "validator").glob("*"))


def test_only_the_first_load_imports_pydantic(tmp_path: Path) -> None:
    first = load_in_new_process(tmp_path)
    assert first.endswith(" True")
    assert len(cached_validators(tmp_path)) == 1
    second = load_in_new_process(tmp_path)
    assert second == first.removesuffix(" True") + " False"


def test_errors_are_the_same_from_a_cached_validator(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    bad = FIXTURES.parent / "bad"
    # The corpus cases that reach the validator: wrong types, missing and unknown keys, ...
    sample = [path for path in sorted(bad.glob("*.yaml")) if "04" <= path.name[:2] <= "20"]
    assert len(sample) == 17, "the bad-input corpus has changed"

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "report", "check", *map(str, sample)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    built, cached = check(), check()
    assert built.returncode == cached.returncode == 1
    assert cached.stderr == built.stderr
    assert built.stderr.count("\n") >= len(sample)


@pytest.mark.parametrize("planted", ["foreign", "garbage"])
def test_a_planted_cache_entry_is_rebuilt_and_never_run(tmp_path: Path, planted: str) -> None:
    load_in_new_process(tmp_path)
    (entry,) = cached_validators(tmp_path)
    witness = tmp_path / "ran"
    if planted == "foreign":
        # A pickle that would create a file if anything outside report.model were let through.
        entry.write_bytes(b"cposix\nsystem\n(V" + f"touch {witness}".encode() + b"\ntR.")
    else:
        entry.write_bytes(b"not a pickle")
    assert load_in_new_process(tmp_path).endswith(" True")  # rebuilt with pydantic
    assert not witness.exists()
    assert load_in_new_process(tmp_path).endswith(" False")  # and the good one kept again
