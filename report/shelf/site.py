"""The shelf's site: an index of every brief, a page per language, the OPDS catalog, the feed
of new editions and the sitemap, made from the entries of an output folder and the project
file alone (so a folder merged from several builds gets the same site byte for byte).

The site lives in `OUT/site/`; the briefs' files stay where a build writes them, beside it, and
every page links them relatively (`../belarus-nato.pdf`), so `OUT/` served as it is works from
a folder, a static host or a subpath.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from report.cache import user_cache
from report.content.model import Style
from report.errors import TemplateError
from report.files import write_all
from report.render.containment import check_document
from report.render.fonts import book_fonts
from report.render.strings import read_strings
from report.render.style import style_css
from report.render.stylesheets import self_contained_css
from report.render.templates import BASE_TEMPLATES, THEMES, Templates
from report.render.web_edition import favicon
from report.shelf import SITE_FOLDER
from report.shelf.catalog import Entry, Work, read_entries, works
from report.shelf.feeds import editions_feed, opds_feed, sitemap
from report.shelf.project import Project
from report.shelf.state import record_site

SITE_STRINGS = "site/strings/{language}.yaml"


def write_site(out_dir: Path, project: Project) -> list[Path]:
    """Make the site from the entries in `out_dir` and write it into `out_dir/site/`; return
    the files written."""
    targets = site_targets(out_dir, project)
    write_all(targets)
    record_site(out_dir, project.path, template_folders(project), [path for path, _ in targets])
    return [path for path, _ in targets]


def site_targets(
    out_dir: Path, project: Project, pending: Mapping[Path, bytes] | None = None
) -> list[tuple[Path, bytes]]:
    """The site's files by path, from the entries in `out_dir` and the `pending` files about
    to be written there."""
    files = site_files(read_entries(out_dir, pending), project)
    return [(out_dir / SITE_FOLDER / name, data) for name, data in sorted(files.items())]


def template_folders(project: Project) -> list[Path]:
    """The folders the site's templates, stylesheets and fonts come from."""
    return [BASE_TEMPLATES, *([THEMES / project.theme] if project.theme else [])]


def site_files(entries: Sequence[Entry], project: Project) -> dict[str, bytes]:
    """Every file of the site, by path inside `site/`: a pure function of its arguments."""
    shown = [entry for entry in entries if _listed(entry, project)]
    shelf = works(shown)
    languages = _languages(shown, project)
    ui = project.languages[0] if project.languages else "en"
    pages: dict[str, str] = {"index.html": _page(project, shelf, languages, ui, None)}
    for language in languages:
        chosen = [work for work in shelf if work.latest.language == language]
        pages[f"{language}.html"] = _page(project, chosen, languages, language, language)
    files = {name: html.encode("utf-8") for name, html in pages.items()}
    files |= _assets(project, ui, "".join(pages.values()))
    for entry in shown:
        files[f"covers/{entry.stem}.jpg"] = entry.cover
        files[f"covers/{entry.stem}.thumb.jpg"] = entry.thumbnail
    files["opds.xml"] = opds_feed(shelf, project)
    files["feed.xml"] = editions_feed(shown, project)
    files["sitemap.xml"] = sitemap(shelf, languages, project)
    return files


def _listed(entry: Entry, project: Project) -> bool:
    """Whether the shelf lists a brief: every one, or those in the project's languages."""
    return not project.languages or entry.language in project.languages


def _languages(entries: Sequence[Entry], project: Project) -> list[str]:
    """The language pages: in the project's order, else by code; only languages with briefs."""
    present = {entry.language for entry in entries}
    order = project.languages or tuple(sorted(present))
    return [language for language in order if language in present]


def _templates(project: Project, language: str) -> Templates:
    theme = THEMES / project.theme if project.theme else None
    return Templates(theme=theme, language=language)


def _site_labels(templates: Templates, language: str) -> dict[str, Any]:
    """The site's own words in a language (site/strings/<language>.yaml), else in English."""
    reference = BASE_TEMPLATES / SITE_STRINGS.format(language="en")
    for code in (language, language.split("-")[0], "en"):
        try:
            path = templates.find(SITE_STRINGS.format(language=code))
        except TemplateError:
            continue
        return read_strings(path, reference)
    raise TemplateError(f"{reference}: the site's English strings are missing")


def _page(
    project: Project,
    shelf: Sequence[Work],
    languages: Sequence[str],
    language: str,
    current: str | None,
) -> str:
    """One page of the site: every work (the index) or those in one language."""
    templates = _templates(project, language)
    site = _site_labels(templates, language)
    name = f"{current}.html" if current else "index.html"
    html = templates.render_page(
        "site/shelf.html",
        project=project,
        site=site,
        language=language,
        page_title=_page_title(project, site, current, templates),
        works=[_card(work, _language_name(templates, work.latest.language)) for work in shelf],
        languages=[
            (code, _language_name(templates, code), f"{code}.html", code == current)
            for code in languages
        ],
        index_current=current is None,
        og_url=project.base_url + f"{SITE_FOLDER}/{name}",
        stylesheets=[f"css/{layer}" for layer in _layer_names(templates)],
    )
    check_document(html, f"site/shelf.html ({name})", xml=False)
    return html


def _page_title(
    project: Project, site: dict[str, Any], current: str | None, templates: Templates
) -> str:
    name = project.name or site["shelf"]
    return f"{name} · {_language_name(templates, current)}" if current else name


def _language_name(templates: Templates, code: str | None) -> str:
    """A language's own name (its site strings' language_name), else its code."""
    if code is None:
        return ""
    try:
        path = templates.find(SITE_STRINGS.format(language=code))
    except TemplateError:
        return code
    reference = BASE_TEMPLATES / SITE_STRINGS.format(language="en")
    return str(read_strings(path, reference)["language_name"])


def _card(work: Work, language_name: str) -> dict[str, Any]:
    """What a page shows of a work: its newest edition and links, its language's own name,
    and its editions."""
    latest = work.latest
    return {
        "entry": latest,
        "language_name": language_name,
        "links": brief_links(latest),
        "thumbnail": f"covers/{quote(latest.stem)}.thumb.jpg",
        "editions": [(edition, brief_links(edition)) for edition in work.editions],
    }


def brief_links(entry: Entry) -> dict[str, str]:
    """The relative addresses of a brief's files from a page of the site, by format, and of
    its "what changed" section when it has one."""
    found = {fmt: "../" + quote(name) for fmt, name in entry.files.items()}
    if entry.changes and "html" in found:
        found["changes"] = f"{found['html']}#{quote(entry.changes)}"
    return found


def _layer_names(templates: Templates) -> list[str]:
    return [name for name, _ in _layers(templates)]


def _layers(templates: Templates) -> list[tuple[str, Path | str]]:
    """The web edition's stylesheet layers (fonts, components, web, theme), the default style
    settings, then the site's own."""
    layers: list[tuple[str, Path | str]] = [
        (path.name, path) for path in templates.stylesheets("web")
    ]
    layers.append(("style.css", style_css(Style(), "web")))
    layers.append(("site.css", templates.find("site/site.css")))
    return layers


def _assets(project: Project, language: str, text: str) -> dict[str, bytes]:
    """The stylesheets, the fonts cut down to the characters of every page, and the icon."""
    templates = _templates(project, language)
    files = {
        f"css/{name}": self_contained_css(layer) if isinstance(layer, Path) else layer.encode()
        for name, layer in _layers(templates)
    }
    files |= book_fonts(templates, text, user_cache() / "assets")
    files["favicon.svg"] = favicon(Style().accent)
    return files
