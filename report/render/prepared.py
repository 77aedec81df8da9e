"""A prepared brief: a loaded content file with its templates, allowed folders, images and
changes, which every output is rendered from."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from report.assets import AssetRoots
from report.cache import fingerprint
from report.content.changes import Changes, compare
from report.content.figures import Figure, Table
from report.content.loader import (
    character_problems,
    edition_history,
    load_brief,
    load_document,
    not_in_fonts,
    previous_path,
    undrawable,
)
from report.content.markup import references
from report.content.model import Brief, Edition, markdown_texts
from report.content.numbered import csv_rows, data_name, data_path, numbered_blocks
from report.content.paths import image_path, in_content_folder
from report.content.yaml_reader import location, node_at
from report.errors import ContentError, UsageError, every_problem
from report.render.chart_views import ChartView, draw_charts
from report.render.citing import Bibliography, CitationRenderer, bibliography
from report.render.tables import TableView, table_view
from report.render.templates import BASE_TEMPLATES, THEMES, Templates, theme_folders
from report.render.xrefs import CrossReferences


@dataclass(frozen=True)
class PreparedBrief:
    """A loaded brief with its templates, allowed asset folders, images and changes."""

    source: Path
    brief: Brief
    templates: Templates
    roots: AssetRoots
    changes: Changes | None
    images: dict[str, tuple[str, Path]]  # image source in the text -> (name in EPUB, file)
    cache_dir: Path | None = None  # where derived assets (the cover image) are kept
    xrefs: CrossReferences | None = None  # what [](#id) says, and the lists of tables/figures
    tables: dict[str, TableView] = field(default_factory=dict)  # by anchor
    charts: dict[str, ChartView] = field(default_factory=dict)  # by anchor
    bibliography: Bibliography | None = None  # the works cited, formatted; None if none are
    own_files: tuple[Path, ...] = ()  # the bibliography and .csl files the brief reads
    history: tuple[tuple[Path, Edition], ...] = ()  # this edition and earlier ones, newest first

    def numbered_context(self) -> dict[str, object]:
        """What the templates of tables, figures, charts and the bibliography need, in every
        output."""
        return {
            "xrefs": self.xrefs,
            "tables": self.tables,
            "charts": self.charts,
            # the entries only, (anchor, HTML) pairs: templates get data, not the formatter
            "bibliography": self.bibliography.entries if self.bibliography else (),
            "history": [edition for _, edition in self.history],
        }

    def citations(self, href: Callable[[str], str]) -> CitationRenderer | None:
        """A renderer of one output's citations (`href`: a bibliography entry's anchor to a
        link there), or None when the brief cites nothing."""
        return self.bibliography.renderer(href) if self.bibliography else None

    @property
    def edition_folder(self) -> Path:
        return edition_folder(self.source)

    def inputs(self, options: dict[str, object]) -> dict[str, object]:
        """Every file a build of this brief reads, for the up-to-date check of the next build."""
        # The earlier editions' files: their dates are in the colophon's edition history.
        files = [self.source, *(path for path, _ in self.history[1:])]
        previous = previous_path(self.source, self.brief)
        if previous:
            files.append(previous)
        files += [path for _, path in self.images.values()]
        files += data_files(self.source, self.brief)
        files += self.own_files
        if self.brief.style.logo:
            files.append(image_path(self.source, self.brief.style.logo))
        # The edition folder counts even while it does not exist: creating it changes the build.
        folders = [self.edition_folder, *self.templates.search_path]
        return fingerprint(files, folders, options)


def edition_folder(source: Path) -> Path:
    """The edition's own templates and css/edition.css: a folder named like its content file."""
    return source.parent / source.stem


def prepare_all(sources: Sequence[Path], cache_dir: Path | None = None) -> list[PreparedBrief]:
    """Load every content file; raise one ContentError listing the problems of all of them."""
    return every_problem(sources, lambda source: prepare(source, cache_dir))


def prepare(source: Path, cache_dir: Path | None = None) -> PreparedBrief:
    """Load one content file and find its templates, folders, images and changes."""
    if not source.is_file():
        raise UsageError(f"{source}: no such content file")
    brief, document = load_document(source, themes=theme_folders())
    overrides = edition_folder(source)
    templates = Templates(
        overrides=overrides if overrides.is_dir() else None,
        theme=THEMES / brief.theme if brief.theme else None,
        language=brief.edition.language,
        bytecode_dir=cache_dir / "templates" if cache_dir else None,
    )
    _check_language(source, brief, document, templates)
    _check_characters(source, brief, document, templates, cache_dir)
    _check_key_figures(source, brief, document, templates)
    roots = AssetRoots([BASE_TEMPLATES, source.parent, *templates.search_path])
    previous = previous_path(source, brief)
    changes = (
        compare(load_brief(previous), brief, previous, source)
        if previous and brief.show_changes
        else None
    )
    assets = cache_dir / "assets" if cache_dir else None
    mark = templates.labels["decimal_mark"]
    works, style_file = bibliography(
        source, brief, document, BASE_TEMPLATES, brief.edition.language
    )
    own_files = [path for path in (bibliography_file(source, brief), style_file) if path]
    return PreparedBrief(
        source,
        brief,
        templates,
        roots,
        changes,
        image_map(source, brief),
        assets,
        xrefs=CrossReferences(brief, templates.labels),
        tables={
            item.anchor: table_view(source, item.block.table, mark)
            for item in numbered_blocks(brief)
            if isinstance(item.block, Table)
        },
        charts=draw_charts(source, brief, document, templates, assets),
        bibliography=works,
        own_files=tuple(own_files),
        history=tuple(edition_history(source, brief)),
    )


def bibliography_file(source: Path, brief: Brief) -> Path | None:
    """The BibTeX or CSL-JSON file the brief names (checked when it was loaded)."""
    return (
        in_content_folder(source, brief.bibliography, "bibliography")
        if brief.bibliography
        else None
    )


def data_files(source: Path, brief: Brief) -> list[Path]:
    """The CSV files the brief's tables and charts read."""
    names: dict[str, None] = {}
    for item in numbered_blocks(brief):
        name = data_name(item.block)
        if name:
            names[name] = None
    return [data_path(source, name) for name in names]


def _check_language(source: Path, brief: Brief, document: yaml.Node, templates: Templates) -> None:
    """Refuse a language no strings file speaks (every label would be in English, silently),
    at its line; an edition or theme may bring its own strings/<language>.yaml."""
    language = brief.edition.language
    known = templates.languages()
    if language in known or language.split("-")[0] in known:
        return
    node = node_at(document, "edition", "language")
    where = location(source, node.start_mark if node is not None else None)
    raise ContentError(
        [
            f"{where}: no strings for the language {language!r} (there are: "
            f"{', '.join(sorted(known))}); write them in strings/{language}.yaml in the "
            f"edition folder ({edition_folder(source).name}/), from templates/strings/en.yaml"
        ]
    )


def _check_characters(
    source: Path, brief: Brief, document: yaml.Node, templates: Templates, cache_dir: Path | None
) -> None:
    """Refuse text the book's fonts cannot draw, at its line (it would be set in a font of the
    building machine's, which the book does not carry)."""
    from report.render.fonts import covered_characters, font_names

    covered = covered_characters(templates, cache_dir / "assets" if cache_dir else None)
    fonts = font_names(templates)
    problems = character_problems(source, document, covered, fonts)
    problems += _data_character_problems(source, brief, covered, fonts)
    if problems:
        raise ContentError(problems)


def _check_key_figures(
    source: Path, brief: Brief, document: yaml.Node, templates: Templates
) -> None:
    """Refuse a key-figure value with a word no card holds, at its line (it would run into
    the next card)."""
    from report.render.key_figures import all_key_figures, value_problems

    if next(all_key_figures(brief), None) is None:
        return  # most briefs: no font to load
    problems = value_problems(source, brief, document, templates.value_width(brief))
    if problems:
        raise ContentError(problems)


def _data_character_problems(
    source: Path, brief: Brief, covered: Collection[str], fonts: str
) -> list[str]:
    """The same for the CSV files of tables and charts: each row a character is missing in."""
    problems = []
    for item in numbered_blocks(brief):
        name = data_name(item.block)
        if not name:
            continue
        for number, row in enumerate(csv_rows(source, name), start=1):
            missing = undrawable("".join(row), covered)
            if missing:
                shown = ", ".join(f"{char!r} (U+{ord(char):04X})" for char in missing[:3])
                problems.append(
                    f"{source.parent / name}: row {number}: {shown}: {not_in_fonts(source, fonts)}"
                )
    return problems


def image_map(source: Path, brief: Brief) -> dict[str, tuple[str, Path]]:
    """Map each image source in the text and each figure's image to its file name in the book
    and its file."""
    sources = dict.fromkeys(
        [
            reference.target
            for text in markdown_texts(brief)
            for reference in references(text)
            if reference.kind == "image"
        ]
        + [
            item.block.figure.image
            for item in numbered_blocks(brief)
            if isinstance(item.block, Figure)
        ]
    )
    images = {}
    for number, src in enumerate(sources, start=1):
        path = image_path(source, src)
        safe = re.sub(r"[^A-Za-z0-9._-]", "-", path.name)  # EPUB file names: no spaces etc.
        images[src] = (f"images/{number:02d}-{safe}", path)
    return images
