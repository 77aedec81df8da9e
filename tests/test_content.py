"""The content file loads into the model; the model holds what the brief promises."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from report import load_brief
from report.content.model import Callout, KeyFigures, ListBlock, Paragraph, Timeline
from report.errors import ContentError
from tests.conftest import CONTENT, FIXTURES, ROOT


def test_the_brief_loads_into_the_model() -> None:
    brief = load_brief(CONTENT)
    assert brief.title == "Belarus – NATO Cooperation"
    assert brief.topic == "North Atlantic Treaty Organization"
    assert brief.edition.language == "en"
    assert brief.edition.number == 1
    assert brief.edition.date == dt.date(2026, 11, 30)
    assert brief.edition.identifier.startswith("urn:uuid:")
    assert len(brief.sections) >= 8
    kinds = {type(block) for section in brief.sections for block in section.blocks}
    assert {Paragraph, ListBlock, Callout, Timeline} <= kinds
    assert KeyFigures not in kinds or brief.key_figures


def test_key_figures_come_from_the_text() -> None:
    figures = {(f.qualifier, f.value) for f in load_brief(CONTENT).key_figures}
    assert figures == {
        ("around", "125"),
        ("more than", "6×"),
        ("more than", "300,000"),
        ("more than", "75"),
        (None, "4"),
    }


def test_timeline_years_are_those_of_the_text() -> None:
    brief = load_brief(CONTENT)
    entries = [
        entry
        for section in brief.sections
        for block in section.blocks
        if isinstance(block, Timeline)
        for entry in block.timeline
    ]
    assert [entry.iso for entry in entries] == [
        "1992",
        "1993",
        "1995",
        "1997",
        "1997-07",
        "1998-04",
        "2004",
        "2007",
        "2011",
        "2013",
    ]


def test_the_two_corrections_are_recorded() -> None:
    corrections = {(c.original, c.corrected) for c in load_brief(CONTENT).corrections}
    assert corrections == {
        ("programmme", "programme"),
        ("form NATO member states", "from NATO member states"),
    }


def test_a_mistyped_block_suggests_the_nearest_kind(tmp_path: Path) -> None:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("- paragraph:", "- pragraph:"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_brief(bad)
    assert str(caught.value) == (
        f"{bad}:14:9: sections[0].blocks[0]: unknown block 'pragraph'; did you mean 'paragraph'?"
    )


def test_duplicate_keys_and_aliases_are_refused(tmp_path: Path) -> None:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("topic: Test topic", "topic: Test topic\ntopic: Again"))
    with pytest.raises(ContentError, match=r"bad.yaml:3:1: duplicate key 'topic'"):
        load_brief(bad)
    bad.write_text(text.replace("author: Test Author", "author: &a Test\nsubtitle: *a"))
    with pytest.raises(ContentError, match=r"bad.yaml:4:11: aliases"):
        load_brief(bad)


def test_syntax_errors_are_located(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"bad.yaml:2:1: "):
        load_brief(bad)


def test_the_schema_file_is_current_and_content_files_point_at_it() -> None:
    from report.content.validation import schema_json

    schema = ROOT / "schema" / "brief.schema.json"
    assert schema.read_text(encoding="utf-8") == schema_json(), "run: report schema > " + str(
        schema
    )
    for content in (ROOT / "content").glob("*.yaml"):
        first = content.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/brief.schema.json"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("title: Минимальная справка", "title: a\x01b"), r"bad.yaml: .*#x0001"),
        (("lead: A short lead.", 'lead: "bad \\x01 char"'), r"bad.yaml:9:7: lead: .*XML forbids"),
        (("  - id: only", "  - id: about"), r"bad.yaml:11:9: sections\[0\].id: .*reserved"),
        (("author: Test Author", "author: A\n<<: {x: 1}"), r"bad.yaml:4:1: merge keys"),
    ],
    ids=["control-character", "escaped-control", "reserved-id", "merge-key"],
)
def test_input_that_would_break_an_output_is_refused(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    assert change[0] in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(*change), encoding="utf-8")
    with pytest.raises(ContentError, match=expected):
        load_brief(bad)
