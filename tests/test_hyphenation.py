"""The hyphenation policy (docs/design.md), checked on the laid-out pages of several briefs:
hyphens in running text only, never in headings, labels, capitals, callouts, key figures or
timelines, and never more than two hyphenated lines in a row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONTENT, FIXTURES

# Where a hyphen never goes: elements by tag, and by class (their own or an ancestor's).
NEVER_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "th", "caption", "figcaption", "dt"}
NEVER_CLASSES = {
    "callout",
    "key-figure",
    "timeline",
    "quote-attribution",
    "box-title",
    "component-title",
    "about-heading",
    "toc-entries",
    "cover",
    "numbered-notes",
    "numbered-source",
}
BRIEFS = [
    CONTENT,
    FIXTURES / "brief-ru.yaml",
    FIXTURES / "data-report.yaml",
    FIXTURES / "data-report-ru.yaml",
    FIXTURES / "long-everything.yaml",
    FIXTURES / "edition-demo.yaml",
    FIXTURES / "cited" / "brief.yaml",
    FIXTURES / "minimal.yaml",
]


def laid_out(path: Path, policy: bool = True) -> Any:
    """The brief's print edition laid out by WeasyPrint, as the PDF writer does it (with the
    hyphenation policy's second passes, unless `policy` is False)."""
    from report.outputs.pdf import _allow_list_fetcher, _within_the_hyphenation_policy
    from report.outputs.weasyprint_loader import import_weasyprint
    from report.render.prepared import prepare
    from report.render.print_edition import render_print

    request = render_print(prepare(path), "ua-1")
    html = import_weasyprint().HTML(
        string=request.html,
        base_url=request.base.as_uri() + "/",
        url_fetcher=_allow_list_fetcher(request.roots),
    )
    document = html.render()
    return _within_the_hyphenation_policy(html, document, {}) if policy else document


def _classes_up(element: Any, parents: dict[Any, Any]) -> set[str]:
    found: set[str] = set()
    while element is not None:
        found |= set((element.get("class") or "").split())
        found.add(element.tag.rpartition("}")[2])
        element = parents.get(element)
    return found


@pytest.mark.parametrize("path", BRIEFS, ids=lambda path: path.stem)
def test_hyphens_only_in_running_text_and_never_three_in_a_row(path: Path) -> None:
    from report.outputs.pdf_hyphens import hyphenated_lines

    document = laid_out(path)
    lines = hyphenated_lines(document)
    root = document._html.etree_element if hasattr(document, "_html") else None
    print(f"\n{path.name}: {len(lines)} hyphenated line ends in {len(document.pages)} pages")
    assert all(line.after_another < 2 for line in lines), [
        line.text for line in lines if line.after_another >= 2
    ]
    parents = _parents(lines, root)
    misplaced = [
        (line.text, sorted(_classes_up(line.element, parents) & (NEVER_TAGS | NEVER_CLASSES)))
        for line in lines
        if _classes_up(line.element, parents) & (NEVER_TAGS | NEVER_CLASSES)
    ]
    assert misplaced == []


def _parents(lines: list[Any], root: Any) -> dict[Any, Any]:
    """Each element's parent (html5lib's elements do not know theirs)."""
    if root is None and lines:
        root = lines[0].element
        while hasattr(root, "getparent") and root.getparent() is not None:
            root = root.getparent()
    parents: dict[Any, Any] = {}
    if root is not None:
        for parent in root.iter():
            for child in parent:
                parents[child] = parent
    return parents


def test_a_dense_paragraph_never_gets_three_hyphenated_lines_in_a_row(tmp_path: Path) -> None:
    """Long words in a row (Russian administrative prose) make WeasyPrint hyphenate line after
    line; the PDF writer sets such a paragraph again without automatic hyphens."""
    import yaml

    from report.outputs.pdf_hyphens import hyphenated_lines
    from tests.conftest import dump_yaml

    brief = yaml.safe_load((FIXTURES / "brief-ru.yaml").read_text(encoding="utf-8"))
    words = (
        "Межпарламентское сотрудничество государственных координационных "
        "международно-правовых антитеррористических противопожарных гуманитарно-технических "
    )
    brief["sections"][0]["blocks"] = [{"paragraph": words * 12}, {"paragraph": "Коротко."}]
    source = tmp_path / "dense.yaml"
    source.write_text(dump_yaml(brief), encoding="utf-8")
    before = hyphenated_lines(laid_out(source, policy=False))
    assert max(line.after_another for line in before) >= 2  # the layout alone makes runs
    after = hyphenated_lines(laid_out(source))
    assert all(line.after_another < 2 for line in after), [line.text for line in after]
