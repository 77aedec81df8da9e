"""Model + rendered chapters to an EPUB 3 file (EbookLib), with a deterministic ZIP."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import mimetypes
import re
import zipfile
from pathlib import Path
from typing import Any

from ebooklib import epub
from lxml import etree

from report.content.model import Brief, people
from report.render.containment import check_document
from report.render.epub_parts import Chapter, EpubParts
from report.render.licences import licence
from report.render.pages import PageMap, mark_pages

FONT_MEDIA_TYPES = {".ttf": "font/ttf", ".otf": "font/otf"}
ZIP_EPOCH = (2000, 1, 1, 0, 0, 0)  # ZIP entries carry no clock time; dates live in the OPF


def make_epub(brief: Brief, parts: EpubParts, pages: PageMap | None = None) -> bytes:
    """Assemble the book, with the PDF's page numbers when they are known; return its bytes."""
    if pages is not None:
        marked, page_list = mark_pages(parts.chapters, pages.print_ids, pages.page_of)
        parts = dataclasses.replace(parts, chapters=marked, page_list=page_list)
    book = _book_with_metadata(brief, parts.generator)
    _add_accessibility_metadata(book, parts)
    _add_provenance(book, parts)
    styles = [_add_file(book, name, data, "text/css") for name, data in parts.stylesheets.items()]
    for name, data in parts.fonts.items():
        _add_file(book, name, data, FONT_MEDIA_TYPES[Path(name).suffix])
    for name, data in parts.font_licences.items():
        _add_file(book, name, data, "text/plain")
    for name, data in parts.images.items():
        _add_file(book, name, data, mimetypes.guess_type(name)[0] or "application/octet-stream")
    book.set_cover("images/cover.png", parts.cover_png, create_page=False)

    documents = [
        _document(book, chapter, brief.edition.language, styles) for chapter in parts.chapters
    ]
    nav = epub.EpubNav(title=parts.nav_title)
    for style in styles:
        nav.add_item(style)
    book.add_item(nav)
    book.add_item(epub.EpubNcx())
    book.toc = [
        _toc_entry(doc, chapter)
        for doc, chapter in zip(documents, parts.chapters, strict=True)
        if chapter.in_toc
    ]
    # The contents come after the front pages outside them (the cover, the title page).
    front = next(
        (index for index, chapter in enumerate(parts.chapters) if chapter.in_toc),
        len(parts.chapters),
    )
    book.spine = [*documents[:front], nav, *documents[front:]]
    book.guide = [
        {"type": chapter.landmark, "href": chapter.file_name, "title": chapter.title}
        for chapter in parts.chapters
        if chapter.landmark
    ]
    book.guide.insert(1, {"type": "toc", "href": "nav.xhtml", "title": parts.nav_title})

    mtime = dt.datetime.combine(brief.edition.date, dt.time(), tzinfo=dt.UTC)
    options = {
        "raise_exceptions": True,
        "mtime": mtime,
        "landmark_title": parts.landmarks_title,
        "epub3_pages": False,
        # Its ZIP is only read back and rewritten (deterministic, deflated once, by us).
        "compresslevel": 0,
    }
    return _deterministic_zip(book, options, brief.edition.language, parts)


def _book_with_metadata(brief: Brief, generator: str) -> epub.EpubBook:
    book = epub.EpubBook()
    book.set_identifier(brief.edition.identifier)
    book.set_title(brief.title)
    book.set_language(brief.edition.language)
    for number, person in enumerate(people(brief), start=1):
        # A dc:creator per author, its role a MARC relator code (aut unless the role says).
        book.add_author(person.name, role=_relator(person.role), uid=f"creator-{number}")
    if brief.publisher:
        book.add_metadata("DC", "publisher", brief.publisher)
    if brief.series:
        # EPUB 3's collection: the series, and the brief's place in it when it is a number.
        book.add_metadata(
            None, "meta", brief.series.name, {"property": "belongs-to-collection", "id": "series"}
        )
        book.add_metadata(
            None, "meta", "series", {"refines": "#series", "property": "collection-type"}
        )
        if isinstance(brief.series.number, int):
            number = str(brief.series.number)
            book.add_metadata(
                None, "meta", number, {"refines": "#series", "property": "group-position"}
            )
    rights = licence(brief.license)
    if rights:
        book.add_metadata("DC", "rights", f"{rights.name} {rights.url or ''}".strip())
    # Further identifiers, each with its ONIX type (06 DOI, 15 ISBN-13, 02 ISBN-10).
    isbn = (brief.isbn or "").replace("-", "").replace(" ", "")
    for uid, value, onix in (
        ("doi", f"doi:{brief.doi}" if brief.doi else "", "06"),
        ("isbn", f"urn:isbn:{isbn}" if isbn else "", "15" if len(isbn) == 13 else "02"),
        ("issn", f"urn:issn:{brief.issn}" if brief.issn else "", ""),  # the series': no ONIX type
    ):
        if value:
            book.add_metadata("DC", "identifier", value, {"id": uid})
        if value and onix:
            meta = {"refines": f"#{uid}", "property": "identifier-type", "scheme": "onix:codelist5"}
            book.add_metadata(None, "meta", onix, meta)
    # A full timestamp: some readers (calibre) shift a bare date to the day before.
    book.add_metadata("DC", "date", f"{brief.edition.date.isoformat()}T00:00:00Z")
    book.add_metadata("DC", "description", brief.lead)
    for keyword in [brief.topic, *brief.keywords]:
        book.add_metadata("DC", "subject", keyword)
    # Name this tool as the generator, in place of EbookLib's own entry.
    book.metadata[epub.NAMESPACES["OPF"]]["generator"] = [
        ("", {"name": "generator", "content": generator})
    ]
    return book


RELATORS = {"editor": "edt", "translator": "trl", "contributor": "ctb", "illustrator": "ill"}


def _relator(role: str | None) -> str:
    """The MARC relator code of a role as written ("Editor" -> edt); "aut" for the rest."""
    return RELATORS.get((role or "").strip().lower(), "aut")


def _add_accessibility_metadata(book: epub.EpubBook, parts: EpubParts) -> None:
    """EPUB Accessibility 1.1 metadata, derived from what the book holds."""
    # Images in the text, or charts (the cover is described by its alt text).
    images = bool(parts.images) or any("<svg" in chapter.xhtml for chapter in parts.chapters)
    modes = ["textual", "visual"] if images else ["textual"]
    features = [
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "displayTransformability",
        "unlocked",
    ]
    if images:
        features.append("alternativeText")
    if parts.page_list:
        features += ["pageBreakMarkers", "pageNavigation"]
        # The print edition the page numbers come from, marked as the source of pagination.
        book.add_metadata("DC", "source", parts.page_source, {"id": "print-source"})
        book.add_metadata(
            None, "meta", "pagination", {"refines": "#print-source", "property": "source-of"}
        )
    summary = (
        "All content is text with headings, lists and a navigable table of contents; "
        + (
            "every image has a text alternative; "
            if images
            else "there are no images in the text; "
        )
        + "text size, fonts and colors can be changed by the reading system. "
        "No hazards: no flashing, motion or sound."
    )
    for name, values in (
        ("schema:accessMode", modes),
        ("schema:accessModeSufficient", ["textual"]),
        ("schema:accessibilityFeature", features),
        ("schema:accessibilityHazard", ["none"]),
        ("schema:accessibilitySummary", [summary]),
        ("dcterms:conformsTo", ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]),
    ):
        for value in values:
            book.add_metadata(None, "meta", value, {"property": name})


def _add_provenance(book: epub.EpubBook, parts: EpubParts) -> None:
    """Record which tool made the book and from which content (its SHA-256)."""
    book.add_prefix("report", "urn:report:ns:provenance#")
    book.add_metadata(None, "meta", parts.generator, {"property": "report:generator"})
    book.add_metadata(None, "meta", parts.source_sha256, {"property": "report:source-sha256"})


def _toc_entry(document: epub.EpubHtml, chapter: Chapter) -> object:
    """A chapter in the navigation, with its sub-headings nested under it by level."""
    if not chapter.headings:
        return document
    root: dict[str, Any] = {"children": []}
    stack: list[tuple[int, dict[str, Any]]] = [(2, root)]  # the section's title is level 2
    for level, title, href in chapter.headings:
        while stack[-1][0] >= level:
            stack.pop()
        node = {"title": title, "href": href, "children": []}
        stack[-1][1]["children"].append(node)
        stack.append((level, node))
    children = [_nav_node(node) for node in root["children"]]
    return (epub.Section(chapter.title, chapter.file_name), children)


def _nav_node(node: dict[str, Any]) -> object:
    """A heading as EbookLib's navigation takes it: a link, or a section with children."""
    if not node["children"]:
        uid = re.sub(r"[^A-Za-z0-9-]", "-", node["href"])
        return epub.Link(node["href"], node["title"], uid)
    children = [_nav_node(child) for child in node["children"]]
    return (epub.Section(node["title"], node["href"]), children)


def _add_file(book: epub.EpubBook, name: str, data: bytes, media_type: str) -> epub.EpubItem:
    uid = name.replace("/", "-").replace(".", "-")
    item = epub.EpubItem(uid=uid, file_name=name, media_type=media_type, content=data)
    book.add_item(item)
    return item


def _document(
    book: epub.EpubBook, chapter: Chapter, language: str, styles: list[epub.EpubItem]
) -> epub.EpubHtml:
    uid = Path(chapter.file_name).stem
    document = epub.EpubHtml(
        uid=uid,
        title=chapter.title,
        file_name=chapter.file_name,
        lang=language,
        content=_with_slots(chapter.xhtml).encode("utf-8"),
    )
    if "<svg" in chapter.xhtml:
        document.properties.append("svg")  # the manifest says which documents hold SVG
    for style in styles:
        # EbookLib rebuilds <head> and keeps only these links; hrefs are relative to text/.
        document.add_link(href=f"../{style.file_name}", rel="stylesheet", type="text/css")
    book.add_item(document)
    return document


def _deterministic_zip(
    book: epub.EpubBook, options: dict, language: str, parts: EpubParts
) -> bytes:
    """Let EbookLib write, then rewrite the ZIP with fixed times and order, mimetype first."""
    buffer = io.BytesIO()
    epub.write_epub(buffer, book, options)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    entries["EPUB/nav.xhtml"] = _finish_nav(entries["EPUB/nav.xhtml"], parts)
    for chapter in parts.chapters:
        name = f"EPUB/{chapter.file_name}"
        entries[name] = _restore_drawings(entries[name], chapter.xhtml)
    entries["EPUB/content.opf"] = _package_language(entries["EPUB/content.opf"], language)
    for name, data in entries.items():
        if name.endswith(".xhtml"):
            # EbookLib parses each document again as HTML and writes what it read: check the
            # documents as they go into the book, not only as the templates rendered them.
            check_document(data.decode("utf-8"), name, xml=True)
    names = ["mimetype", *sorted(name for name in entries if name != "mimetype")]
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w") as out:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            stored = name == "mimetype"
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            out.writestr(info, entries[name], compresslevel=None if stored else 6)
    return result.getvalue()


def _finish_nav(nav: bytes, parts: EpubParts) -> bytes:
    """Hide the landmarks (they are for reading systems, not a page to read; EbookLib has no
    option for it), add the lists of tables and figures, and the page list: the PDF's page
    numbers, so "see p. 3" works here."""
    root = etree.fromstring(nav)
    xhtml = "{http://www.w3.org/1999/xhtml}"
    epub_type = f"{{{epub.NAMESPACES['EPUB']}}}type"
    body = root.find(f"{xhtml}body")
    for element in root.iter(f"{xhtml}nav"):
        if element.get(epub_type) == "landmarks":
            element.set("hidden", "hidden")
        elif element.get(epub_type) == "toc":
            element.set("aria-label", parts.nav_title)  # navigation landmarks need names
    for kind, title, entries in parts.lists:
        attributes = {epub_type: kind, "id": kind, "aria-labelledby": f"{kind}-title"}
        listing_nav = etree.SubElement(body, f"{xhtml}nav", attributes)
        etree.SubElement(listing_nav, f"{xhtml}h2", {"id": f"{kind}-title"}).text = title
        listing = etree.SubElement(listing_nav, f"{xhtml}ol")
        for text, href in entries:
            link = etree.SubElement(etree.SubElement(listing, f"{xhtml}li"), f"{xhtml}a")
            link.set("href", href)
            link.text = text
    page_list, pages_title = parts.page_list, parts.pages_title
    if page_list:
        pages = etree.SubElement(body, f"{xhtml}nav", {epub_type: "page-list", "hidden": "hidden"})
        etree.SubElement(pages, f"{xhtml}h2").text = pages_title
        listing = etree.SubElement(pages, f"{xhtml}ol")
        for number, href in page_list:
            link = etree.SubElement(etree.SubElement(listing, f"{xhtml}li"), f"{xhtml}a")
            link.set("href", href)
            link.text = str(number)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


# Inline SVG (charts) goes into the book as the templates wrote it: EbookLib reads each document
# again as HTML, which lower-cases SVG's names (viewBox, clipPath) and breaks the drawing. Each
# drawing is handed to EbookLib as an empty placeholder and put back in the written document.
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
_SLOT = re.compile(rb'<span data-drawing="(\d+)"(?:/>|></span>)')


def _with_slots(xhtml: str) -> str:
    """The document with each inline SVG replaced by a numbered placeholder."""
    numbers = iter(range(1_000_000))
    return _SVG.sub(lambda match: f'<span data-drawing="{next(numbers)}"></span>', xhtml)


def _restore_drawings(written: bytes, rendered: str) -> bytes:
    """Put each inline SVG of the rendered document back in place of its placeholder."""
    drawings = _SVG.findall(rendered)
    if not drawings:
        return written
    return _SLOT.sub(lambda match: drawings[int(match.group(1))].encode("utf-8"), written)


def _package_language(opf: bytes, language: str) -> bytes:
    """Declare the language on the package element too (xml:lang), as Ace asks."""
    root = etree.fromstring(opf)
    root.set("{http://www.w3.org/XML/1998/namespace}lang", language)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)
