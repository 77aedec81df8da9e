"""The print HTML and the request the PDF renderer gets."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from report.content import image_path
from report.job import GENERATOR, Job, data_url, epoch, stylesheet_layers
from report.markup import Resolvers, render_inline
from report.pdf import PdfRequest
from report.templates import BASE_TEMPLATES


def pdf_request(job: Job) -> PdfRequest:
    return PdfRequest(
        html=print_html(job),
        base=BASE_TEMPLATES,
        roots=job.roots,
        epoch=epoch(job.brief),
        standard=job.pdf_standard,
        source_name=job.source.name,
        source=job.source.read_bytes(),
        generator=GENERATOR,
    )


def print_html(job: Job) -> str:
    stylesheets = [
        layer.as_uri() if isinstance(layer, Path) else data_url(layer)
        for _, layer in stylesheet_layers(job, "print")
    ]
    plain = Resolvers(link=lambda t: t, image=lambda src: image_path(job.source, src).as_uri())

    def footnote(name: str) -> str:
        # Set at the foot of its page by WeasyPrint (float: footnote), numbered by CSS.
        return f'<span class="footnote">{render_inline(job.brief.notes[name], plain)}</span>'

    resolvers = dataclasses.replace(plain, note=footnote)
    logo = job.brief.style.logo
    return job.templates.render(
        "print.html",
        job.brief,
        stylesheets=stylesheets,
        generator=GENERATOR,
        resolvers=resolvers,
        logo_url=image_path(job.source, logo).as_uri() if logo else None,
        changes=job.changes,
        href=lambda section_id: f"#{section_id}",
    )
