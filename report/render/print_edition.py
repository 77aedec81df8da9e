"""The print edition: the HTML WeasyPrint lays out, and everything the PDF must carry."""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup

from report.content.loader import image_path
from report.content.model import Brief
from report.render.links import Addresses, Footnotes
from report.render.prepared import PreparedBrief
from report.render.print_document import PrintDocument
from report.render.stylesheets import print_stylesheet_urls
from report.render.templates import BASE_TEMPLATES
from report.version import GENERATOR


def render_print(prepared: PreparedBrief, pdf_standard: str) -> PrintDocument:
    """Render the print HTML and gather what the PDF writer needs besides it."""
    return PrintDocument(
        html=print_html(prepared),
        base=BASE_TEMPLATES,
        roots=prepared.roots,
        epoch=epoch(prepared.brief),
        standard=pdf_standard,
        source_name=prepared.source.name,
        source=prepared.source.read_bytes(),
        generator=GENERATOR,
    )


def _footnote(number: int, text: Markup) -> str:
    # Set at the foot of its page by WeasyPrint (float: footnote), numbered by CSS.
    return f'<span class="footnote">{text}</span>'


def print_html(prepared: PreparedBrief) -> str:
    """Render the print edition's HTML."""
    source = prepared.source
    addresses = Addresses(
        section=lambda section_id: f"#{section_id}",
        image=lambda src: image_path(source, src).as_uri(),
    )
    notes = Footnotes(prepared.brief, addresses, _footnote)
    logo = prepared.brief.style.logo
    return prepared.templates.render(
        "print.html",
        prepared.brief,
        stylesheets=print_stylesheet_urls(prepared),
        generator=GENERATOR,
        resolvers=notes.resolvers(),
        logo_url=image_path(source, logo).as_uri() if logo else None,
        changes=prepared.changes,
        href=addresses.section,
    )


def epoch(brief: Brief) -> int:
    """The edition date as a Unix time: the only clock the outputs read."""
    moment = dt.datetime.combine(brief.edition.date, dt.time(), tzinfo=dt.UTC)
    return int(moment.timestamp())
