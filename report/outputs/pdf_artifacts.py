"""Running heads and feet as artifacts in the tagged PDF.

WeasyPrint 70 tags the text of the page-margin boxes (the running title, section name, edition and
page number) like body text, with an MCID each, and builds structure elements for them that it
leaves out of the structure tree ("it could be included in tree as Artifact, but that's only
allowed in PDF 2.0", pdf/tags.py). The result is content that is neither in the tree nor an
artifact, which PDF/UA forbids, and which a screen reader would read on every page. This pass,
run on the PDF's objects before they are written, finds those orphaned elements and turns their
marked content into `/Artifact` sequences, and removes them from the parent tree.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def running_heads_as_artifacts(pdf: Any) -> None:
    """Mark the content of structure elements outside the structure tree as artifacts."""
    from weasyprint.pdf.stream import Stream

    orphans = _orphaned_content(pdf)
    if not orphans:
        return
    streams = _page_streams(pdf, Stream)
    for page, mcids in orphans.items():
        for stream in streams.get(page, ()):
            _as_artifacts(stream.stream, mcids)
    _drop_from_parent_tree(pdf, orphans)


def _elements(pdf: Any) -> dict[bytes, Any]:
    return {
        item.reference: item
        for item in pdf.objects
        if isinstance(item, dict) and item.get("Type") == "/StructElem"
    }


def _orphaned_content(pdf: Any) -> dict[bytes, set[int]]:
    """The MCIDs, by page reference, of the structure elements no element or root lists."""
    elements = _elements(pdf)
    listed = {
        kid
        for item in pdf.objects
        if isinstance(item, dict) and item.get("Type") in ("/StructElem", "/StructTreeRoot")
        for kid in _kids(item)
    }
    orphans: dict[bytes, set[int]] = defaultdict(set)
    pending = [reference for reference in elements if reference not in listed]
    while pending:
        element = elements[pending.pop()]
        for kid in _kids(element):
            if isinstance(kid, int) and "Pg" in element:
                orphans[element["Pg"]].add(kid)
            elif kid in elements:
                pending.append(kid)
    return orphans


def _kids(element: Any) -> list[Any]:
    kids = element.get("K", [])
    return list(kids) if isinstance(kids, list) else [kids]


def _page_streams(pdf: Any, stream_type: type) -> dict[bytes, list[Any]]:
    """Each page's content streams, by the page's reference."""
    by_reference = {item.reference: item for item in pdf.objects if isinstance(item, stream_type)}
    streams: dict[bytes, list[Any]] = {}
    for page in pdf.page_references:
        page_dict = _object(pdf, page)
        contents = page_dict.get("Contents")
        references = contents if isinstance(contents, list) else [contents]
        streams[page] = [by_reference[ref] for ref in references if ref in by_reference]
    return streams


def _as_artifacts(operations: list[Any], mcids: set[int]) -> None:
    """Rewrite `/Tag <</MCID n>> BDC` as `/Artifact BMC` for the MCIDs given."""
    index = 0
    while index < len(operations) - 2:
        tag, properties, operator = operations[index : index + 3]
        if (
            operator == b"BDC"
            and isinstance(properties, dict)
            and properties.get("MCID") in mcids
            and isinstance(tag, str | bytes)  # WeasyPrint writes the tag as text
        ):
            operations[index : index + 3] = ["/Artifact", b"BMC"]
        index += 1


def _drop_from_parent_tree(pdf: Any, orphans: dict[bytes, set[int]]) -> None:
    """Null the parent-tree entries of the MCIDs that became artifacts."""
    root = next(
        item
        for item in pdf.objects
        if isinstance(item, dict) and item.get("Type") == "/StructTreeRoot"
    )
    nums = _object(pdf, root["ParentTree"])["Nums"]
    arrays = dict(zip(nums[::2], nums[1::2], strict=True))
    for page, mcids in orphans.items():
        entries = _object(pdf, arrays.get(_object(pdf, page).get("StructParents")))
        for mcid in mcids:
            if entries is not None and mcid < len(entries):
                entries[mcid] = None


def _object(pdf: Any, value: Any) -> Any:
    """An object, whether given itself or by its reference (b"12 0 R")."""
    if isinstance(value, bytes) and value.endswith(b" R"):
        return pdf.objects[int(value.split()[0])]
    return value
