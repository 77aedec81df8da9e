"""Template search path, the Jinja environment, rendering, and the ordered stylesheet layers."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from report.content.markup import mark_abbreviations, nest_quotes, render_inline
from report.content.model import Brief, TimelineEntry, byline, people
from report.errors import ReportError, TemplateError
from report.render.licences import licence
from report.render.strings import read_strings


def _shipped(name: str) -> Path:
    """A folder the tool ships: inside the installed package (a wheel maps the project's
    top-level folder there), else at the top of the source checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / name
    return installed if installed.is_dir() else package.parent / name


BASE_TEMPLATES = _shipped("templates")
THEMES = _shipped("themes")
Medium = Literal["print", "epub", "web"]


def theme_folders() -> dict[str, Path]:
    """The themes a brief may choose, each with its folder."""
    if not THEMES.is_dir():
        return {}
    return {folder.name: folder for folder in sorted(THEMES.iterdir()) if folder.is_dir()}


# Cascade order: fonts, shared components, then the medium's own layout. Both writers take their
# list from stylesheets() so the PDF and the EPUB cannot drift apart.
STYLESHEET_LAYERS: dict[Medium, tuple[str, ...]] = {
    "print": ("css/fonts.css", "css/brief.css", "css/print.css"),
    "epub": ("css/fonts.css", "css/brief.css", "css/epub.css"),
    "web": ("css/fonts.css", "css/brief.css", "css/web.css"),
}
# Optional layers: a theme's stylesheet after the base, an edition's after everything else.
THEME_STYLESHEETS: dict[Medium, tuple[str, ...]] = {
    "print": ("css/theme.css", "css/theme-print.css"),
    "epub": ("css/theme.css", "css/theme-epub.css"),
    "web": ("css/theme.css", "css/theme-web.css"),
}
EDITION_STYLESHEET = "css/edition.css"


class _ConfinedLoader(jinja2.FileSystemLoader):
    """A file loader that refuses templates reached through a symlink out of their folder."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        path = Path(filename).resolve()
        if not any(path.is_relative_to(Path(root).resolve()) for root in self.searchpath):
            raise TemplateError(f"{filename}: leads outside the template folders; not loaded")
        return source, filename, uptodate


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox, which keeps templates from Python's internals (attributes starting with
    an underscore, functions' globals, str.format's field access) and from changing what they
    are given; also bounds the size of what `*` and `**` make, so a template cannot exhaust
    memory in one expression."""

    intercepted_binops = frozenset({"*", "**"})
    MAX_ITEMS = 1_000_000  # what `*` may make, and the largest number a call may be given
    MAX_BITS = 4096  # the size of a number `**` may make

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        integers = isinstance(left, int) and isinstance(right, int)
        if operator == "**" and integers and self._power_bits(left, right) > self.MAX_BITS:
            raise SecurityError("a power larger than templates may compute")
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                sized = isinstance(sequence, str | bytes | list | tuple) and isinstance(count, int)
                if sized and len(sequence) * count > self.MAX_ITEMS:
                    raise SecurityError("a repetition larger than templates may make")
        return super().call_binop(context, operator, left, right)

    # The outputs' only clock is the edition date: a template may not read the machine's.
    CLOCKS = frozenset({"today", "now", "utcnow", "fromtimestamp", "utcfromtimestamp"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, dt.date) and attr in self.CLOCKS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    @staticmethod
    def _power_bits(base: int, exponent: int) -> int:
        return max(abs(base), 2).bit_length() * abs(exponent)

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        # "x".ljust(10**9), "x".zfill(...): a call given a huge number can exhaust memory
        numbers = [value for value in (*args, *kwargs.values()) if isinstance(value, int)]
        if any(abs(number) > self.MAX_ITEMS for number in numbers):
            raise SecurityError("a number larger than templates may pass to a call")
        return super().call(__context, __obj, *args, **kwargs)


class Templates:
    """Templates found along a search path: edition overrides, then a theme, then the base.

    The base folder is also reachable as `base/...` and the theme as `theme/...`, so an override
    can extend the template it replaces: `{% extends "base/print.html" %}`.
    """

    def __init__(
        self,
        overrides: Path | None = None,
        theme: Path | None = None,
        language: str = "en",
        bytecode_dir: Path | None = None,
    ) -> None:
        self.search_path = [folder for folder in (overrides, theme) if folder] + [BASE_TEMPLATES]
        prefixes = {"base": _ConfinedLoader([BASE_TEMPLATES])}
        if theme:
            prefixes["theme"] = _ConfinedLoader([theme])
        # Every template renders in the sandbox: edition folders and themes may come from anyone.
        self.env = _Sandbox(
            loader=jinja2.ChoiceLoader(
                [_ConfinedLoader(self.search_path), jinja2.PrefixLoader(prefixes)]
            ),
            # Every template gets escaping, whatever its extension (.html, .xhtml, ...).
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # Compiled templates are kept between builds (Jinja checks they are current).
            bytecode_cache=_bytecode_cache(bytecode_dir),
        )
        self.language = language
        self._texts: dict[str, str] = {}
        self.labels = self._labels(language)
        self.env.filters["css_string"] = css_string
        self.env.filters["md"] = _markdown
        self.env.filters["plain"] = plain_text
        self.env.filters["quoted"] = _quoted
        self.env.filters["fill"] = _fill
        self.env.filters["month_year"] = self.month_year
        self.env.filters["long_date"] = self.long_date

    def find(self, relative: str) -> Path:
        """Return the first file named `relative` along the search path."""
        found = self._first(relative)
        if found is None:
            tried = ", ".join(str(folder) for folder in self.search_path)
            raise TemplateError(f"{relative}: not found in the template search path ({tried})")
        return found

    def text(self, relative: str) -> str:
        """The text of the first file named `relative` along the search path, read once."""
        if relative not in self._texts:
            path = self.find(relative)
            try:
                self._texts[relative] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as err:
                raise TemplateError(f"{path}: not UTF-8 text ({err.reason})") from err
        return self._texts[relative]

    def stylesheets(self, medium: Medium) -> list[Path]:
        """Return the stylesheet files for a medium, in cascade order, theme layer included."""
        layers = [self.find(layer) for layer in STYLESHEET_LAYERS[medium]]
        optional = [self._first(layer) for layer in THEME_STYLESHEETS[medium]]
        return layers + [path for path in optional if path]

    def languages(self) -> set[str]:
        """The languages a strings file along the search path speaks (by file name)."""
        return {
            path.stem
            for folder in self.search_path
            if (folder / "strings").is_dir()
            for path in (folder / "strings").glob("*.yaml")
        }

    def edition_stylesheet(self) -> Path | None:
        """Return the edition's own stylesheet, layered after everything else, if there is one."""
        return self._first(EDITION_STYLESHEET)

    def _first(self, relative: str) -> Path | None:
        for folder in self.search_path:
            candidate = (folder / relative).resolve()
            # A symlink (or `..`) leading out of the folder does not count as being in it.
            if candidate.is_file() and candidate.is_relative_to(folder.resolve()):
                return candidate
        return None

    def render(self, name: str, brief: Brief, **context: Any) -> str:
        """Render one template with the brief and the shared context."""
        return self.render_page(
            name,
            brief=brief,
            edition_line=self.edition_line(brief),
            series_line=self.series_line(brief),
            cover_label=self.cover_label(brief),
            title_size=title_size(brief.title),
            running_title=running_title(brief),
            people=people(brief),
            byline=byline(brief),
            licence=licence(brief.license),
            figure_size=self.figure_sizer(brief),
            **context,
        )

    def value_width(self, brief: Brief) -> Callable[[str], float]:
        """A key-figure value's width in em of its font (the heading font, bold, with the
        lining tabular figures brief.css asks for)."""
        from report.render.cover import heading_font_file

        font = _measuring_font(heading_font_file(brief, self.find, "Bold"))
        return lambda value: font.getlength(value, features=["tnum", "lnum"]) / 100

    def figure_sizer(self, brief: Brief) -> Callable[[Sequence[Any], bool], int]:
        """For the templates: the size (an index in key_figures.VALUE_SIZES) of a grid of key
        figures' values (inside a box or not), measured when a template asks."""
        from report.render.key_figures import card_width_mm, value_size

        def size(figures: Sequence[Any], in_box: bool = False) -> int:
            card = card_width_mm(brief.style.paper, len(figures), in_box)
            return value_size([figure.value for figure in figures], self.value_width(brief), card)

        return size

    def render_page(self, name: str, **context: Any) -> str:
        """Render one template with the labels and `context` (no brief: the shelf's pages),
        every failure a TemplateError naming the template and line."""
        try:
            template = self.env.get_template(name)
            return template.render(labels=self.labels, **context)
        except jinja2.TemplateNotFound as err:
            tried = ", ".join(str(folder) for folder in self.search_path)
            raise TemplateError(f"template {err.name!r} not found (search path: {tried})") from err
        except jinja2.TemplateSyntaxError as err:
            raise TemplateError(f"{err.filename or err.name}:{err.lineno}: {err.message}") from err
        except jinja2.UndefinedError as err:
            raise TemplateError(f"{_template_position(err, name)}: {err.message}") from err
        except RecursionError as err:
            raise TemplateError(
                f"{name}: a template extends or includes itself; to extend the template it "
                f'replaces, name the parent with its prefix: {{% extends "base/{name}" %}}'
            ) from err
        except UnicodeDecodeError as err:
            raise TemplateError(
                f"{_template_file(err, name)}: not UTF-8 text ({err.reason} at byte "
                f"{err.start}); save it as UTF-8"
            ) from err
        except SecurityError as err:
            raise TemplateError(
                f"{_template_position(err, name)}: not allowed in templates: {err}"
            ) from err
        except ReportError:
            raise  # a problem the template's callers found (an image, a link), already located
        except Exception as err:  # a template's own runtime error: 1/0, a wrong type, ...
            raise TemplateError(
                f"{_template_position(err, name)}: {type(err).__name__}: {err}"
            ) from err

    def edition_line(self, brief: Brief) -> str:
        """Return 'Edition N · date' in the brief's language."""
        edition = brief.edition
        return self.labels["edition_line"].format(
            number=edition.number, date=self.long_date(edition.date)
        )

    def series_line(self, brief: Brief) -> str:
        """Return the series and the brief's number in it ("NDC Policy Brief, no. 12"), or ""."""
        series = brief.series
        if series is None:
            return ""
        if series.number is None:
            return series.name
        return self.labels["series_number"].format(name=series.name, number=series.number)

    def cover_label(self, brief: Brief) -> str:
        """What the document is, as every cover says it: `type:` (else the language's word for
        a brief) and the series with its number."""
        kind = brief.type or self.labels["document_type"]
        series = self.series_line(brief)
        return f"{kind} · {series}" if series else kind

    def long_date(self, date: dt.date) -> str:
        """Format a date with month names from the language's strings."""
        # Languages such as Russian put the month of a full date in the genitive case.
        months = self.labels.get("months_genitive", self.labels["months"])
        return self.labels["date_format"].format(
            day=date.day, month=months[date.month - 1], year=date.year
        )

    def month_year(self, entry: TimelineEntry) -> str:
        """Format a timeline date: the year, the month and year, or the full date."""
        if entry.month is None:
            return str(entry.year)
        if entry.day is not None:
            return self.long_date(dt.date(entry.year, entry.month, entry.day))
        month = self.labels["months"][entry.month - 1]
        return self.labels["month_year_format"].format(month=month, year=entry.year)

    def _labels(self, language: str) -> dict[str, Any]:
        primary = language.split("-")[0]
        for name in (f"strings/{language}.yaml", f"strings/{primary}.yaml", "strings/en.yaml"):
            try:
                path = self.find(name)
            except TemplateError:
                continue
            return read_strings(path, BASE_TEMPLATES / "strings" / "en.yaml")
        raise TemplateError(f"no strings file for language {language!r} and no strings/en.yaml")


@jinja2.pass_context
def _markdown(context: jinja2.runtime.Context, text: str) -> Markup:
    """Render a content text's inline Markdown for the output being rendered, its quotation
    marks nested by the language's rules."""
    html = nest_quotes(render_inline(text, context["resolvers"]), context["labels"]["quotes"])
    brief = context.get("brief")
    if context.get("medium") in ("epub", "web") and brief is not None and brief.glossary:
        # Readers of the EPUB and the web edition get each acronym's expansion where it is used.
        html = mark_abbreviations(html, _expansions(brief))
    return Markup(html)


def _expansions(brief: Brief) -> dict[str, str]:
    return {term: plain_text(expansion) for term, expansion in brief.glossary.items()}


@jinja2.pass_context
def _quoted(context: jinja2.runtime.Context, text: str) -> Markup:
    """A text in the language's quotation marks, quotations inside it in the inner ones."""
    marks = context["labels"]["quotes"]
    return Markup(nest_quotes(f"{marks[0]}{escape(text)}{marks[1]}", marks))


@functools.cache
def _measuring_font(path: Path) -> Any:
    """A font file at 100 px, loaded once per process (every grid of every output measures)."""
    from PIL import ImageFont

    return ImageFont.truetype(str(path), 100)


def title_size(title: str) -> str:
    """How large a cover or masthead sets the title: "short", "medium" (past 50 characters) or
    "long" (past 110); the stylesheets size each."""
    return "long" if len(title) > 110 else "medium" if len(title) > 50 else "short"


def running_title(brief: Brief) -> str:
    """The title for running heads: `short_title:`, else the title up to a colon (a subtitle
    after it), else the title."""
    if brief.short_title:
        return brief.short_title
    main, colon, _ = brief.title.partition(":")
    return main.strip() if colon and main.strip() else brief.title


def _fill(template: str, **values: Any) -> Markup:
    """A label with {placeholders} filled: the label's own text escaped, the values escaped
    unless they are markup already (a `quoted` text)."""
    return Markup(escape(template)).format(**values)


def plain_text(text: str) -> str:
    """A content text's words without its Markdown: for places that cannot hold links or
    notes (the lists of tables and figures are links themselves)."""
    from report.content.markup import Resolvers

    resolvers = Resolvers(link=lambda target: "", image=lambda source: "")
    return Markup(render_inline(text, resolvers)).striptags()


class _BestEffortBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between builds; a full or read-only cache only costs time."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError, ValueError, EOFError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache(folder: Path | None) -> jinja2.BytecodeCache | None:
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _BestEffortBytecodeCache(str(folder))


def css_string(value: str) -> Markup:
    """Quote text as a CSS string literal that is also safe inside a <style> element."""
    escaped = "".join(f"\\{ord(char):x} " if char in '"\\<>&\n' else char for char in str(value))
    return Markup(f'"{escaped}"')


def _template_file(err: UnicodeDecodeError, fallback: str) -> str:
    """The template file that could not be decoded: Jinja reads it in the loader's frame."""
    tb = err.__traceback__
    found = fallback
    while tb is not None:
        filename = tb.tb_frame.f_locals.get("filename")
        if isinstance(filename, str) and filename.endswith((".html", ".xhtml", ".css", ".xml")):
            found = filename
        tb = tb.tb_next
    return found


def _template_position(err: Exception, fallback: str) -> str:
    """Find the template file and line of an error raised while rendering."""
    tb = err.__traceback__
    position = fallback
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xhtml", ".css", ".xml")):
            position = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return position
