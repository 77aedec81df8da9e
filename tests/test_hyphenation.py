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
]


def laid_out(path: Path) -> Any:
    """The brief's print edition laid out by WeasyPrint, as the PDF writer does it."""
    from report.outputs.pdf import _allow_list_fetcher
    from report.outputs.weasyprint_loader import import_weasyprint
    from report.render.prepared import prepare
    from report.render.print_edition import render_print

    request = render_print(prepare(path), "ua-1")
    html = import_weasyprint().HTML(
        string=request.html,
        base_url=request.base.as_uri() + "/",
        url_fetcher=_allow_list_fetcher(request.roots),
    )
    return html.render()


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
