"""HTML to PDF with WeasyPrint, loading resources only through the allow-list."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import gc
import hashlib
import io
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import escape
from typing import Any

from report.assets import AssetRoots
from report.errors import AssetError
from report.options import PDF_STANDARDS
from report.outputs.pdf_artifacts import running_heads_as_artifacts
from report.outputs.pdf_hyphens import MarkedBox, find_breaks, keep_words_whole
from report.render.print_document import PrintDocument

PROVENANCE_NS = "urn:report:ns:provenance#"


def make_pdf(
    request: PrintDocument, on_pages: Callable[[dict[str, int]], None] | None = None
) -> tuple[bytes, list[str], dict[str, int]]:
    """Render print HTML to PDF bytes; return them, WeasyPrint's warnings, and the page
    number of every element id (for the EPUB's page-break markers).

    `on_pages` gets the page numbers as soon as the layout is done, before the PDF is written
    (about a quarter of the time), so the EPUB can be finished meanwhile.
    """
    from report.outputs.weasyprint_loader import import_weasyprint  # EPUB-only builds load neither

    weasyprint = import_weasyprint()
    from weasyprint.urls import FatalURLFetchingError

    fetcher = _allow_list_fetcher(request.roots)
    moment = dt.datetime.fromtimestamp(request.epoch, dt.UTC)
    source = weasyprint.Attachment(
        file_obj=io.BytesIO(request.source),
        name=request.source_name,
        description="The content file this PDF was built from",
        created=moment,
        modified=moment,
        relationship="Source",
        url_fetcher=fetcher,
    )
    with _captured_warnings() as warnings, _source_date_epoch(request.epoch), _fewer_collections():
        try:
            html = weasyprint.HTML(
                string=request.html, base_url=request.base.as_uri() + "/", url_fetcher=fetcher
            )
            options = {
                "pdf_variant": PDF_STANDARDS[request.standard],
                "pdf_tags": True,  # tagged whatever the standard: a-3b alone would be untagged
                "attachments": [source],
                "xmp_metadata": [_data_url(_provenance_xmp(request))],
            }
            document = _within_the_hyphenation_policy(html, html.render(**options), options)
            _without_template_attachments(document)
            pages = page_of_ids(document)
            if on_pages:
                on_pages(pages)
            breaks = find_breaks(document)
            finish = functools.partial(_finish, breaks=breaks)
            data = document.write_pdf(finisher=finish, **options)
            _check_fonts(document, request.font_families)
        except FatalURLFetchingError as err:
            cause = err.__cause__
            raise AssetError(str(cause) if isinstance(cause, AssetError) else str(err)) from err
    return data, warnings, pages


def _within_the_hyphenation_policy(html: Any, document: Any, options: dict[str, Any]) -> Any:
    """Never more than two hyphenated lines in a row (docs/design.md): CSS cannot ask that of
    WeasyPrint, so a block the layout gave a third is set without automatic hyphens and the
    document laid out again. Rare: none of the fixtures needs it; dense long words do."""
    from report.outputs.pdf_hyphens import hyphenated_lines

    for _ in range(3):  # a new layout may crowd another block: settle in a few passes
        crowded = {
            id(line.element): line.element
            for line in hyphenated_lines(document)
            if line.after_another >= 2
        }
        if not crowded:
            break
        for element in crowded.values():
            element.set("style", f"{element.get('style') or ''};hyphens:manual")
        document = html.render(**options)
    return document


def _check_fonts(document: Any, families: tuple[str, ...]) -> None:
    """Refuse a PDF that sets text in a font of this machine's rather than the book's own
    (WeasyPrint lists the fonts it used once the PDF is written)."""
    if not families:
        return
    used = {font.family for font in document.fonts.values()}
    foreign = sorted(used - set(families))
    if foreign:
        raise AssetError(
            f"some text would be set in this machine's fonts ({', '.join(foreign)}), not the "
            "book's: a template, strings file or stylesheet asks for characters or fonts the "
            "book does not ship"
        )


def _without_template_attachments(document: Any) -> None:
    """Drop files a template asks to attach (`<link rel="attachment">`, `<a rel="attachment">`):
    the PDF's only attachment is its content file, added by the renderer."""
    document.metadata.attachments = []
    for page in document.pages:
        page.links[:] = [link for link in page.links if link[0] != "attachment"]


def page_of_ids(document: Any) -> dict[str, int]:
    """Map each element id to the (1-based) page where the element starts."""
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pages


def _finish(document: Any, pdf: Any, breaks: list[MarkedBox]) -> None:
    """Complete what WeasyPrint leaves out of the written PDF."""
    from report.outputs.pdf_tables import tag_table_headers

    _declare_source_relationship(document, pdf)
    running_heads_as_artifacts(pdf)
    tag_table_headers(pdf)
    keep_words_whole(pdf, document.fonts, breaks)


def _declare_source_relationship(document: object, pdf: Any) -> None:
    """Mark the attached content file as the PDF's Source (associated file) in every standard.

    WeasyPrint does this for PDF/A-3 only; PDF/UA files get the same declaration here.
    """
    import pydyf

    for item in pdf.objects:
        is_filespec = isinstance(item, dict) and item.get("Type") == "/Filespec"
        if is_filespec and "AFRelationship" not in item:
            item["AFRelationship"] = "/Source"
            pdf.catalog.setdefault("AF", pydyf.Array()).append(item.reference)


def _provenance_xmp(request: PrintDocument) -> bytes:
    """XMP naming the generator and the content's SHA-256, with the PDF/A extension schema
    that declares these two properties (PDF/A allows only declared properties)."""
    digest = hashlib.sha256(request.source).hexdigest()
    properties = "".join(
        f'<rdf:li rdf:parseType="Resource"><pdfaProperty:name>{name}</pdfaProperty:name>'
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>internal</pdfaProperty:category>"
        f"<pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>"
        for name, description in (
            ("generator", "The tool and version that made this file"),
            ("sourceSHA256", "SHA-256 of the content file this file was built from"),
        )
    )
    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:report="{PROVENANCE_NS}">'
        f"<report:generator>{escape(request.generator, quote=False)}</report:generator>"
        f"<report:sourceSHA256>{digest}</report:sourceSHA256>"
        "</rdf:Description>"
        f"{_catalogue_xmp(request)}"
        '<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"'
        ' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"'
        ' xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
        '<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
        "<pdfaSchema:schema>report provenance</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{PROVENANCE_NS}</pdfaSchema:namespaceURI>"
        "<pdfaSchema:prefix>report</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{properties}</rdf:Seq></pdfaSchema:property>"
        "</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description></rdf:RDF>"
    ).encode()


def _catalogue_xmp(request: PrintDocument) -> str:
    """Dublin Core and XMP Rights for catalogues: the publisher, the licence (its name, its
    address, and that the work is under one) and the identifier. Both schemas are predefined in
    PDF/A, so they need no extension schema. (WeasyPrint writes the title and one dc:creator per
    author, from the print HTML's author meta tags.)"""
    dc = "http://purl.org/dc/elements/1.1/"
    rights_ns = "http://ns.adobe.com/xap/1.0/rights/"
    parts = []
    if request.publisher:
        parts.append(
            f"<dc:publisher><rdf:Bag><rdf:li>{_xml(request.publisher)}</rdf:li></rdf:Bag></dc:publisher>"
        )
    if request.rights:
        parts.append(
            '<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">'
            f"{_xml(request.rights)}</rdf:li></rdf:Alt></dc:rights><xmpRights:Marked>True</xmpRights:Marked>"
        )
    if request.rights_url:
        parts.append(f"<xmpRights:WebStatement>{_xml(request.rights_url)}</xmpRights:WebStatement>")
    if request.identifier:
        parts.append(f"<dc:identifier>{_xml(request.identifier)}</dc:identifier>")
    if not parts:
        return ""
    return (
        f'<rdf:Description rdf:about="" xmlns:dc="{dc}" xmlns:xmpRights="{rights_ns}">'
        + "".join(parts)
        + "</rdf:Description>"
    )


def _xml(text: str) -> str:
    return escape(text, quote=False)


def _data_url(data: bytes) -> str:
    return "data:application/rdf+xml;base64," + base64.b64encode(data).decode("ascii")


def _allow_list_fetcher(roots: AssetRoots):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AllowListFetcher(URLFetcher):
        """Serve data: URLs and allowed files; refuse everything else and fail the build."""

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            data, media_type = roots.read(url)
            return URLFetcherResponse(url, data, {"Content-Type": media_type})

    return AllowListFetcher(allow_redirects=False, fail_on_errors=True)


@contextmanager
def _captured_warnings() -> Iterator[list[str]]:
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                messages.append(record.getMessage())

    logger = logging.getLogger("weasyprint")
    handler = Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False  # the caller reports them, once
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect garbage less often while WeasyPrint works.

    Layout makes millions of small objects that all live until the PDF is written, so Python's
    frequent collections find almost nothing to free and rescan an ever larger heap. Freezing what
    already exists and collecting the youngest objects every 50,000 allocations instead of 700
    made a 207-page render 5 % faster, with a lower peak (measured in docs/performance.md).
    """
    previous = gc.get_threshold()
    frozen_before = gc.get_freeze_count()  # a caller that froze its heap keeps it so
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        if not frozen_before:
            gc.unfreeze()


@contextmanager
def _source_date_epoch(epoch: int) -> Iterator[None]:
    """Pin font-subset timestamps to the edition date, so rebuilds are byte-identical."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = previous or str(epoch)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
