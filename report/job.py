"""A loaded brief and what every output draws on: templates, stylesheet layers, fonts, inputs."""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from report import __version__, cache
from report.assets import AssetRoots, epub_stylesheet
from report.changes import Changes, compare
from report.content import image_path, load_brief, previous_path
from report.errors import ContentError, UsageError
from report.markup import references
from report.model import Brief, markdown_texts
from report.templates import BASE_TEMPLATES, THEMES, Medium, Templates
from report.theme import style_css

GENERATOR = f"report {__version__}"


@dataclass(frozen=True)
class Job:
    """A loaded brief with its templates and allowed asset folders."""

    source: Path
    brief: Brief
    templates: Templates
    roots: AssetRoots
    changes: Changes | None
    images: dict[str, tuple[str, Path]]  # image source in the text -> (name in EPUB, file)
    cache_dir: Path | None = None  # where derived assets (the cover image) are kept
    pdf_standard: str = "ua-1"


def prepare_all(sources: Sequence[Path], cache_dir: Path | None = None) -> list[Job]:
    """Load every content file; raise one ContentError listing the problems of all of them."""
    problems: list[str] = []
    jobs = []
    for source in sources:
        try:
            jobs.append(prepare(source, cache_dir))
        except ContentError as err:
            problems += err.problems
    if problems:
        raise ContentError(problems)
    return jobs


def prepare(source: Path, cache_dir: Path | None = None) -> Job:
    if not source.is_file():
        raise UsageError(f"{source}: no such content file")
    brief = load_brief(source)
    # An edition's own templates and css/edition.css live in a folder named like its file.
    edition_folder = source.parent / source.stem
    templates = Templates(
        overrides=edition_folder if edition_folder.is_dir() else None,
        theme=THEMES / brief.theme if brief.theme else None,
        language=brief.edition.language,
        bytecode_dir=cache_dir / "templates" if cache_dir else None,
    )
    roots = AssetRoots([BASE_TEMPLATES, source.parent, *templates.search_path])
    previous = previous_path(source, brief)
    changes = compare(load_brief(previous), brief) if previous and brief.show_changes else None
    assets = cache_dir / "assets" if cache_dir else None
    return Job(source, brief, templates, roots, changes, image_map(source, brief), assets)


def inputs(job: Job, options: dict[str, object]) -> dict[str, object]:
    """Every file a build of this job read, for the up-to-date check of the next build."""
    files = [job.source]
    previous = previous_path(job.source, job.brief)
    if previous:
        files.append(previous)
    files += [path for _, path in job.images.values()]
    if job.brief.style.logo:
        files.append(image_path(job.source, job.brief.style.logo))
    # The edition folder counts even while it does not exist: creating it changes the build.
    edition_folder = job.source.parent / job.source.stem
    return cache.fingerprint(files, [edition_folder, *job.templates.search_path], options)


def image_map(source: Path, brief: Brief) -> dict[str, tuple[str, Path]]:
    """Map each image source in the text to its file name in the book and its file."""
    sources = dict.fromkeys(
        reference.target
        for text in markdown_texts(brief)
        for reference in references(text)
        if reference.kind == "image"
    )
    images = {}
    for number, src in enumerate(sources, start=1):
        path = image_path(source, src)
        safe = re.sub(r"[^A-Za-z0-9._-]", "-", path.name)  # EPUB file names: no spaces etc.
        images[src] = (f"images/{number:02d}-{safe}", path)
    return images


def stylesheet_layers(job: Job, medium: Medium) -> list[tuple[str, Path | str]]:
    """Name and source (a file, or generated CSS) of each stylesheet layer, in cascade order.

    Both writers take their layers from here: base (and theme), the style: settings, the edition.
    """
    layers: list[tuple[str, Path | str]] = [
        (f"css/{path.name}", path) for path in job.templates.stylesheets(medium)
    ]
    layers.append(("css/style.css", style_css(job.brief.style, medium)))
    edition = job.templates.edition_stylesheet()
    if edition:
        layers.append(("css/edition.css", edition))
    return layers


def stylesheet_files(job: Job, medium: Medium = "epub") -> dict[str, bytes]:
    """The stylesheet files of a reflowable output (EPUB or web): nothing loads from outside."""
    return {
        name: epub_stylesheet(layer) if isinstance(layer, Path) else layer.encode("utf-8")
        for name, layer in stylesheet_layers(job, medium)
    }


def data_url(css: str) -> str:
    return "data:text/css;base64," + base64.b64encode(css.encode("utf-8")).decode("ascii")


def font_files(templates: Templates) -> list[Path]:
    """Return the font files the stylesheets' @font-face rules point at."""
    fonts_css = templates.find("css/fonts.css").read_text(encoding="utf-8")
    names = sorted(set(re.findall(r'url\("\.\./fonts/([^"]+)"\)', fonts_css)))
    return [templates.find(f"fonts/{name}") for name in names]


def epoch(brief: Brief) -> int:
    moment = dt.datetime.combine(brief.edition.date, dt.time(), tzinfo=dt.UTC)
    return int(moment.timestamp())
