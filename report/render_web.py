"""The web edition: one page with its stylesheets, fonts and images."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from markupsafe import Markup

from report.job import GENERATOR, Job, font_files, stylesheet_files
from report.markup import Resolvers, render_inline
from report.sources import FORMATS


def render_web(job: Job, formats: Sequence[str]) -> dict[str, bytes]:
    """The web edition: <name>/index.html with its stylesheets, fonts and images."""
    from report.fonts import subset_font

    brief, templates, labels, stem = job.brief, job.templates, job.templates.labels, job.source.stem
    footnotes: list[tuple[int, Markup]] = []
    plain = Resolvers(link=lambda target: target, image=lambda src: job.images[src][0])

    def noteref(note: str) -> str:
        number = len(footnotes) + 1
        footnotes.append((number, render_inline(brief.notes[note], plain)))
        return f'<a role="doc-noteref" id="noteref-{number}" href="#note-{number}">{number}</a>'

    stylesheets = stylesheet_files(job, "web")
    downloads = [
        (labels[f"download_{fmt}"], f"../{stem}.{fmt}") for fmt in FORMATS if fmt in formats
    ]
    html = templates.render(
        "web.html",
        brief,
        stylesheets=list(stylesheets),
        generator=GENERATOR,
        resolvers=dataclasses.replace(plain, note=noteref),
        footnotes=footnotes,
        changes=job.changes,
        href=lambda section_id: f"#{section_id}",
        downloads=downloads,
    )
    files = {f"{stem}/index.html": html.encode("utf-8")}
    files |= {f"{stem}/{name}": data for name, data in stylesheets.items()}
    files |= {
        f"{stem}/fonts/{path.name}": subset_font(path, set(html)) for path in font_files(templates)
    }
    files |= {f"{stem}/{name}": path.read_bytes() for name, path in job.images.values()}
    return files
