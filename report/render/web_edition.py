"""The web edition: one page with its stylesheets, fonts and images."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from report.content.paths import image_path
from report.render.containment import check_document
from report.render.edition_fonts import font_licences
from report.render.fonts import book_fonts
from report.render.links import Addresses, Footnotes
from report.render.prepared import PreparedBrief
from report.render.stylesheets import stylesheet_files
from report.version import GENERATOR


def _noteref(number: int, text: Markup) -> str:
    return f'<a role="doc-noteref" id="noteref-{number}" href="#note-{number}">{number}</a>'


def web_files(prepared: PreparedBrief, downloads: Sequence[str]) -> dict[str, bytes]:
    """Render <name>/index.html with its stylesheets, fonts and images, by path in the output
    folder; the page links the files of the `downloads` formats (pdf, epub) beside it."""
    brief, templates, stem = prepared.brief, prepared.templates, prepared.source.stem
    addresses = Addresses(
        section=lambda anchor: f"#{anchor}",
        image=lambda src: prepared.images[src][0],
        label=prepared.xrefs.label if prepared.xrefs else lambda anchor: "",
    )
    citations = prepared.citations(lambda anchor: f"#{anchor}")
    notes = Footnotes(brief, addresses, _noteref, citations=citations)
    stylesheets = stylesheet_files(prepared, "web")
    links = [(templates.labels[f"download_{fmt}"], f"../{stem}.{fmt}") for fmt in downloads]
    logo = image_path(prepared.source, brief.style.logo) if brief.style.logo else None
    logo_name = f"images/logo{logo.suffix.lower()}" if logo else None  # figures' are numbered
    html = templates.render(
        "web.html",
        brief,
        stylesheets=list(stylesheets),
        generator=GENERATOR,
        resolvers=notes.resolvers(),
        footnotes=notes.called,
        changes=prepared.changes,
        href=addresses.section,
        downloads=links,
        image_url=addresses.image,
        logo_url=logo_name,
        medium="web",
        **prepared.numbered_context(),
    )
    check_document(html, "web.html", xml=False)
    files = {f"{stem}/index.html": html.encode("utf-8")}
    files |= {f"{stem}/{name}": data for name, data in stylesheets.items()}
    fonts = book_fonts(templates, html, prepared.cache_dir) | font_licences(templates)
    files |= {f"{stem}/{name}": data for name, data in fonts.items()}
    files |= {f"{stem}/{name}": path.read_bytes() for name, path in prepared.images.values()}
    if logo and logo_name:
        files[f"{stem}/{logo_name}"] = logo.read_bytes()
    files[f"{stem}/{FAVICON}"] = favicon(brief.style.accent)
    return files


FAVICON = "favicon.svg"


def favicon(accent: str) -> bytes:
    """The page's icon: a rounded square in the edition's accent (a checked #rrggbb)."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
        f'<rect width="16" height="16" rx="3" fill="{accent}"/></svg>\n'
    ).encode("ascii")
