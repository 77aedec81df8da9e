"""The shelf for machines: an OPDS 1.2 acquisition feed (e-reader apps browse and download the
briefs), an Atom feed of new editions, and a sitemap.

These are the only files with absolute addresses (a feed reader or a crawler is given them
without the page they came from): the project's `base_url` joined to each file's path. Every
date is an edition date, never the clock's, so the same shelf gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from lxml import etree

from report.shelf import SITE_FOLDER
from report.shelf.catalog import Entry, Work
from report.shelf.project import Project
from report.version import GENERATOR

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
OPDS = "http://opds-spec.org/2010/catalog"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
ACQUISITION = "http://opds-spec.org/acquisition/open-access"  # free to download
CATALOG_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
MEDIA_TYPES = {"epub": "application/epub+zip", "pdf": "application/pdf", "html": "text/html"}
# An identifier usable as an Atom id: a URI with a scheme and no spaces (urn:uuid:..., https:...).
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")


def opds_feed(shelf: Sequence[Work], project: Project) -> bytes:
    """The OPDS 1.2 acquisition feed: every work's newest edition with its EPUB and PDF."""
    feed = _feed(project, "opds.xml", _newest(work.latest for work in shelf), CATALOG_TYPE)
    _link(feed, "start", _site_url(project, "opds.xml"), CATALOG_TYPE)
    for work in shelf:
        entry = _entry(feed, work.latest, project)
        for kind, rel in (("cover", "image"), ("thumb", "image/thumbnail")):
            name = f"{work.latest.stem}.jpg" if kind == "cover" else f"{work.latest.stem}.thumb.jpg"
            href = _site_url(project, f"covers/{quote(name)}")
            _link(entry, f"http://opds-spec.org/{rel}", href, "image/jpeg")
        for fmt in ("epub", "pdf"):
            if fmt in work.latest.files:
                href = project.base_url + quote(work.latest.files[fmt])
                _link(entry, ACQUISITION, href, MEDIA_TYPES[fmt])
    return _serialize(feed)


def editions_feed(entries: Sequence[Entry], project: Project) -> bytes:
    """The Atom feed of new editions: every edition on the shelf, newest first."""
    ordered = sorted(entries, key=lambda entry: (entry.date, entry.stem), reverse=True)
    feed = _feed(project, "feed.xml", _newest(ordered), "application/atom+xml")
    for item in ordered:
        entry = _entry(feed, item, project)
        if item.changes and "html" in item.files:
            href = project.base_url + quote(item.files["html"]) + "#" + quote(item.changes)
            _link(entry, "related", href, "text/html")
    return _serialize(feed)


def sitemap(shelf: Sequence[Work], languages: Sequence[str], project: Project) -> bytes:
    """The sitemap: the site's pages, then each edition's web page (or PDF), with its date.
    It lives in site/ and names pages beside it: point robots.txt's `Sitemap:` line at it."""
    root = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP})
    newest = _newest(work.latest for work in shelf)
    for page in ["index.html", *(f"{code}.html" for code in languages)]:
        _url(root, _site_url(project, page), newest)
    for work in shelf:
        for edition in work.editions:
            name = edition.files.get("html") or edition.files.get("pdf")
            if name:
                _url(root, project.base_url + quote(name), edition.date)
    return _serialize(root)


def _url(root: etree._Element, address: str, date: str) -> None:
    url = etree.SubElement(root, f"{{{SITEMAP}}}url")
    etree.SubElement(url, f"{{{SITEMAP}}}loc").text = address
    if date:
        etree.SubElement(url, f"{{{SITEMAP}}}lastmod").text = date


def _feed(project: Project, name: str, updated: str, self_type: str) -> etree._Element:
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM, "dc": DC, "opds": OPDS})
    _text(feed, "id", _site_url(project, name))
    _text(feed, "title", project.name or "Publications")
    _text(feed, "updated", _timestamp(updated))
    author = etree.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", project.publisher or project.name or "Publications")
    _text(feed, "generator", GENERATOR)
    _link(feed, "self", _site_url(project, name), self_type)
    _link(feed, "alternate", _site_url(project, "index.html"), "text/html")
    return feed


def _entry(feed: etree._Element, item: Entry, project: Project) -> etree._Element:
    """An Atom entry with the metadata OPDS clients show: title, authors, language, summary,
    dates, identifier, publisher, and a link to the web edition (else the PDF)."""
    entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "title", item.title)
    _text(entry, "id", atom_id(item, project))
    _text(entry, "updated", _timestamp(item.date))
    for name in item.authors or (item.publisher or project.publisher or item.title,):
        author = etree.SubElement(entry, f"{{{ATOM}}}author")
        _text(author, "name", name)
    etree.SubElement(entry, f"{{{DC}}}language").text = item.language
    etree.SubElement(entry, f"{{{DC}}}issued").text = item.date
    etree.SubElement(entry, f"{{{DC}}}identifier").text = item.identifier
    if item.publisher:
        etree.SubElement(entry, f"{{{DC}}}publisher").text = item.publisher
    _text(entry, "summary", item.summary).set("type", "text")
    main = item.files.get("html") or item.files.get("pdf") or item.files.get("epub")
    if main:
        fmt = next(fmt for fmt, name in item.files.items() if name == main)
        _link(entry, "alternate", project.base_url + quote(main), MEDIA_TYPES[fmt])
    return entry


def atom_id(entry: Entry, project: Project) -> str:
    """A stable Atom id from the brief's identifier: itself when it is a URI (urn:uuid:...),
    else an address in the catalog named after it."""
    if URI.fullmatch(entry.identifier):
        return entry.identifier
    return _site_url(project, "opds.xml") + "#" + quote(entry.identifier, safe="")


def _site_url(project: Project, name: str) -> str:
    return f"{project.base_url}{SITE_FOLDER}/{name}"


def _newest(entries: object) -> str:
    dates = [entry.date for entry in entries]  # type: ignore[attr-defined]
    return max(dates) if dates else "1970-01-01"


def _timestamp(date: str) -> str:
    """An Atom date from an edition date: midnight UTC of that day."""
    return f"{date}T00:00:00Z"


def _text(parent: etree._Element, name: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = text
    return element


def _link(parent: etree._Element, rel: str, href: str, media_type: str) -> None:
    etree.SubElement(parent, f"{{{ATOM}}}link", rel=rel, href=href, type=media_type)


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
