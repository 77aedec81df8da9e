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
    "import sys; from report import load_brief; "
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


def _text(value: str) -> bytes:
    data = value.encode()
    return b"\x8c" + len(data).to_bytes(1, "big") + data  # SHORT_BINUNICODE


def planted_pickle(kind: str, witness: Path) -> bytes:
    """A pickle that creates `witness` when a plain unpickler loads it."""
    if kind == "foreign module":
        return b"cposix\nsystem\n(V" + f"touch {witness}".encode() + b"\ntR."
    # Through a module of the model itself: a dotted name walks the modules it imports to exec().
    code = f"open({str(witness)!r}, 'w').close()"
    return (
        b"\x80\x04"
        + _text("report.content.fields")
        + _text("re.enum.bltns.exec")
        + b"\x93"  # STACK_GLOBAL
        + _text(code)
        + b"\x85R."  # TUPLE1, REDUCE, STOP
    )


@pytest.mark.parametrize("planted", ["foreign module", "dotted name", "garbage"])
def test_a_planted_cache_entry_is_rebuilt_and_never_run(tmp_path: Path, planted: str) -> None:
    load_in_new_process(tmp_path)
    (entry,) = cached_validators(tmp_path)
    witness = tmp_path / "ran"
    if planted == "garbage":
        entry.write_bytes(b"not a pickle")
    else:
        payload = planted_pickle(planted, witness)
        # The payload is live: a plain unpickler runs it.
        load = "import pickle, sys; pickle.loads(bytes.fromhex(sys.argv[1]))"
        subprocess.run([sys.executable, "-c", load, payload.hex()], check=False, timeout=60)
        assert witness.exists()
        witness.unlink()
        entry.write_bytes(payload)
    assert load_in_new_process(tmp_path).endswith(" True")  # rebuilt with pydantic
    assert not witness.exists()
    assert load_in_new_process(tmp_path).endswith(" False")  # and the good one kept again


def test_a_validator_that_cannot_be_kept_still_validates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic_core import core_schema

    from report.content import validation

    # What a rule written as a lambda (or pydantic before 2.10) puts in the schema.
    unpicklable = core_schema.no_info_after_validator_function(
        lambda value: value, core_schema.str_schema()
    )
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(validation, "core_schema", lambda: unpicklable)
    validation.validator.cache_clear()
    try:
        assert validation.validator().validate_python("text") == "text"
    finally:
        validation.validator.cache_clear()
    assert cached_validators(tmp_path) == []


def test_the_python_api_validates_plain_data_and_rechecks_a_hand_made_style() -> None:
    from pydantic_core import ValidationError

    import report
    from report.content.model import Style
    from report.errors import ReportError
    from report.render.style import style_css

    with pytest.raises(ValidationError) as caught:
        report.validate_brief({"title": 3, "style": {"accent": "red"}})
    assert {error["loc"] for error in caught.value.errors()} >= {("title",), ("style", "accent")}
    assert report.load_brief(CONTENT).style.accent.startswith("#")
    with pytest.raises(ReportError, match="not a #rrggbb color"):
        style_css(Style(accent="red; } body { display: none"), "print")
    with pytest.raises(ReportError, match="paper 'A0': choose from A4, Letter"):
        style_css(Style(paper="A0"), "print")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("where", "value", "says"),
    [
        (("title",), "   ", "is blank"),
        (("short_title",), "", "at least 1 character"),
        (("type",), "Policy\x07brief", "control character"),
        (("authors", 0, "name"), " ", "is blank"),
        (("authors", 0, "affiliation"), "x" * 201, "at most 200 characters"),
        (("key_figures", 0, "label"), "\x01", "control character"),
        (("key_figures", 0, "qualifier"), " ", "is blank"),
    ],
    ids=lambda part: part[0] if isinstance(part, tuple) else None,
)
def test_capped_text_keeps_the_rules_of_all_text(
    tmp_path: Path, where: tuple[str | int, ...], value: str, says: str
) -> None:
    """A field with a cap of its own (titles, authors, key figures) still refuses blank text and
    the characters XML cannot carry, as every text field does."""
    import yaml

    from tests.conftest import dump_yaml, problems_of

    brief = yaml.safe_load((FIXTURES / "minimal.yaml").read_text(encoding="utf-8"))
    brief.pop("author", None)
    brief["authors"] = [{"name": "A. Author", "affiliation": "An institute"}]
    brief["key_figures"] = [{"value": "7", "label": "things", "qualifier": "about"}]
    target = brief
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    source = tmp_path / "capped.yaml"
    source.write_text(dump_yaml(brief), encoding="utf-8")
    found = problems_of(source)
    assert "capped.yaml:" in found and says in found, found
