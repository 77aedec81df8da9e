"""The print edition: the HTML WeasyPrint lays out, and everything the PDF must carry."""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup

from report.content.loader import not_in_fonts, undrawable
from report.content.model import Brief
from report.content.paths import image_path
from report.errors import TemplateError
from report.render.fonts import covered_characters, font_families, font_names
from report.render.licences import licence
from report.render.links import Addresses, Footnotes
from report.render.prepared import PreparedBrief
from report.render.print_document import PrintDocument
from report.render.stylesheets import print_stylesheet_urls
from report.render.templates import BASE_TEMPLATES
from report.version import GENERATOR


def render_print(prepared: PreparedBrief, pdf_standard: str) -> PrintDocument:
    """Render the print HTML and gather what the PDF writer needs besides it."""
    html = print_html(prepared)
    _check_print_html(prepared, html)
    return PrintDocument(
        html=html,
        base=BASE_TEMPLATES,
        roots=prepared.roots,
        epoch=epoch(prepared.brief),
        standard=pdf_standard,
        source_name=prepared.source.name,
        source=prepared.source.read_bytes(),
        generator=GENERATOR,
        font_families=font_families(prepared.templates),
        **_catalogue(prepared.brief),
    )


def _catalogue(brief: Brief) -> dict[str, str]:
    """What the PDF's XMP says besides its title and authors: publisher, rights, identifier."""
    rights = licence(brief.license)
    isbn = f"urn:isbn:{brief.isbn.replace('-', '').replace(' ', '')}" if brief.isbn else ""
    return {
        "publisher": brief.publisher or "",
        "rights": rights.name if rights else "",
        "rights_url": (rights.url or "") if rights else "",
        "identifier": (f"https://doi.org/{brief.doi}" if brief.doi else "")
        or isbn
        or brief.edition.identifier,
    }


def _check_print_html(prepared: PreparedBrief, html: str) -> None:
    """Refuse what a template may not put in the PDF: files to attach (the PDF's only
    attachment is its content file), and text the book's fonts cannot draw (the content's own
    text was checked, at its line, when it was loaded)."""
    from lxml import html as lxml_html

    try:
        root = lxml_html.fromstring(html.encode("utf-8"))
    except (ValueError, lxml_html.etree.ParserError) as err:
        raise TemplateError(f"print.html: the rendered document is not HTML ({err})") from err
    for element in root.iter("a", "link"):
        if "attachment" in (element.get("rel") or "").lower().split():
            raise TemplateError(
                f"print.html: <{element.tag} rel=attachment href={element.get('href')!r}>: a "
                "template may not attach files; the PDF's only attachment is its content file"
            )
    covered = covered_characters(prepared.templates, prepared.cache_dir)
    body = root.find("body")
    text = body.text_content() if body is not None else ""
    missing = undrawable(text, covered)
    if missing:
        shown = ", ".join(f"{char!r} (U+{ord(char):04X})" for char in missing[:5])
        fonts = not_in_fonts(prepared.source, font_names(prepared.templates))
        raise TemplateError(f"print.html: {shown} from a template or strings file: {fonts}")


def _footnote(number: int, text: Markup) -> str:
    # Set at the foot of its page by WeasyPrint (float: footnote), numbered by CSS.
    return f'<span class="footnote">{text}</span>'


def print_html(prepared: PreparedBrief) -> str:
    """Render the print edition's HTML."""
    source = prepared.source
    addresses = Addresses(
        section=lambda anchor: f"#{anchor}",
        image=lambda src: image_path(source, src).as_uri(),
        label=prepared.xrefs.label if prepared.xrefs else lambda anchor: "",
    )
    citations = prepared.citations(lambda anchor: f"#{anchor}")
    notes = Footnotes(prepared.brief, addresses, _footnote, citations=citations)
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
        image_url=addresses.image,
        medium="print",
        **prepared.numbered_context(),
    )


def epoch(brief: Brief) -> int:
    """The edition date as a Unix time: the only clock the outputs read."""
    moment = dt.datetime.combine(brief.edition.date, dt.time(), tzinfo=dt.UTC)
    return int(moment.timestamp())
