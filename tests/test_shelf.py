"""The publisher's shelf: report.yaml, each brief's catalog entry, and build/site/ made from them
(an index, a page per language, editions newest first, links that resolve, nothing remote)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import html

from report.errors import AssetError, ContentError
from report.shelf.catalog import read_entries
from report.shelf.project import load_project
from report.shelf.site import write_site
from tests.conftest import CONTENT, FIXTURES, run_report

SHELF = FIXTURES / "shelf"


def make_shelf(folder: Path) -> Path:
    """A project folder: report.yaml and five briefs in content/ (see fixtures/shelf/README)."""
    content = folder / "content"
    content.mkdir(parents=True)
    shutil.copy(SHELF / "report.yaml", folder / "report.yaml")
    shutil.copy(CONTENT, content / "belarus-nato.yaml")
    russian = (FIXTURES / "brief-ru.yaml").read_text(encoding="utf-8")
    russian = russian.replace(
        "title: Беларусь и НАТО", 'title: "Беларусь и НАТО: справка для полки"'
    )
    (content / "brief-ru.yaml").write_text(russian, encoding="utf-8")
    french = russian.replace("language: ru", "language: fr").replace(
        "2b7c1e9a-5d4f-4c3b-9a1e-7f6d5c4b3a21", "2b7c1e9a-5d4f-4c3b-9a1e-7f6d5c4b3a22"
    )
    (content / "brief-fr.yaml").write_text(french, encoding="utf-8")
    minimal = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    first = minimal.replace("title: Минимальная справка", "title: Shelf demo")
    (content / "first.yaml").write_text(first, encoding="utf-8")
    second = first.replace(
        "  - id: only\n    title: The only section", "  - id: new\n    title: New"
    )
    second = second.replace("edition:", "previous: first.yaml\nshow_changes: true\nedition:")
    second = second.replace("number: 2", "number: 3").replace("2025-01-15", "2025-06-01")
    second = second.replace("0000-4000-8000-000000000001", "0000-4000-8000-000000000003")
    (content / "second.yaml").write_text(second, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def shelf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test shelf, built by `report build` run in its folder; returns the output folder."""
    folder = make_shelf(tmp_path_factory.mktemp("shelf"))
    result = run_report("build", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "wrote build/site/index.html" in result.stdout
    return folder / "build"


def page(path: Path) -> html.HtmlElement:
    return html.fromstring(path.read_bytes())


def select(element: html.HtmlElement, path: str) -> list[html.HtmlElement]:
    """Elements by a path of class names ("shelf-item shelf-title"), optionally a tag after a
    slash on the last ("shelf-downloads/a"); lxml's CSS selectors need cssselect."""
    xpath = "."
    for step in path.split():
        name, _, tag = step.partition("/")
        xpath += f"//*[contains(concat(' ', @class, ' '), ' {name} ')]" if name else ""
        xpath += f"//{tag}" if tag else ""
    return element.xpath(xpath)


def site_pages(out: Path) -> list[Path]:
    return sorted((out / "site").glob("*.html"))


def test_the_index_lists_every_brief_of_the_project_languages_with_its_files(shelf: Path) -> None:
    index = page(shelf / "site" / "index.html")
    titles = [title.text_content() for title in select(index, "shelf-title")]
    # Newest first, then by title; the French copy is left off (languages: [en, ru]); the
    # edition pair is one work.
    assert titles == [
        "Belarus – NATO Cooperation",
        "Беларусь и НАТО: справка для полки",
        "Shelf demo",
    ]
    first = select(index, "shelf-item")[1]
    hrefs = [link.get("href") for link in select(first, "shelf-downloads/a")]
    assert hrefs == ["../brief-ru/index.html", "../brief-ru.pdf", "../brief-ru.epub"]
    assert select(first, "shelf-cover")[0].get("src") == "covers/brief-ru.thumb.jpg"
    edition = select(first, "shelf-edition")[0].text_content()
    assert edition.startswith("Издание 1 · 30 ноября") and " · Русский" in edition  # its language
    assert select(first, "shelf-label")[0].get("lang") == "ru"
    assert "Справка" in select(first, "shelf-label")[0].text_content()
    summary = select(first, "shelf-summary")[0].text_content()
    assert (
        summary == "Беларусь готова поддерживать и расширять конструктивное сотрудничество с НАТО."
    )
    assert not (shelf / "site" / "covers" / "brief-fr.jpg").exists()
    assert (shelf / "brief-fr.pdf").is_file()  # built as always, only not on the shelf


def test_editions_are_listed_newest_first_with_what_changed(shelf: Path) -> None:
    index = page(shelf / "site" / "index.html")
    demo = next(
        item
        for item in select(index, "shelf-item")
        if select(item, "shelf-title")[0].text_content() == "Shelf demo"
    )
    editions = [li.text_content() for li in select(demo, "shelf-editions/li")]
    assert editions[0].startswith("Edition 3 · 1 June 2025 · What changed")
    assert editions[1].startswith("Edition 2 · 15 January 2025")
    links = [a.get("href") for a in select(demo, "shelf-editions/a")]
    assert links[:2] == ["../second/index.html", "../second/index.html#changes"]
    assert "../first/index.html" in links
    changes = page(shelf / "second" / "index.html").get_element_by_id("changes")
    assert changes is not None


def test_a_page_per_language_in_its_language(shelf: Path) -> None:
    assert [path.name for path in site_pages(shelf)] == ["en.html", "index.html", "ru.html"]
    russian = page(shelf / "site" / "ru.html")
    assert russian.get("lang") == "ru"
    assert [t.text_content() for t in select(russian, "shelf-title")] == [
        "Беларусь и НАТО: справка для полки"
    ]
    assert select(russian, "shelf-downloads/a")[0].text_content().startswith("Читать онлайн")
    current = russian.xpath("//nav//a[@aria-current='page']")
    assert [a.get("href") for a in current] == ["ru.html"]
    english = page(shelf / "site" / "en.html")
    assert "Беларусь" not in english.text_content()


def test_every_link_of_every_page_resolves_and_nothing_is_remote(shelf: Path) -> None:
    for path in site_pages(shelf):
        document = page(path)
        assert not document.xpath("//script|//iframe|//object|//embed|//form")
        for element in document.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute) if isinstance(element.tag, str) else None
                if value is None:
                    continue
                parts = urlsplit(value)
                assert not parts.scheme and not parts.netloc, (path.name, value)
                target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
                assert target.is_file(), (path.name, value)
                if parts.fragment:
                    assert page(target).get_element_by_id(parts.fragment) is not None, value
        og = document.xpath("//meta[@property='og:url']/@content")[0]
        assert og == f"https://example.org/briefs/site/{path.name}"
    for css in (shelf / "site" / "css").iterdir():
        assert "http" not in css.read_text(encoding="utf-8"), css.name


def test_each_brief_has_an_entry_with_what_the_shelf_needs(shelf: Path) -> None:
    data = json.loads((shelf / ".report-shelf" / "second.json").read_text(encoding="utf-8"))
    assert data["title"] == "Shelf demo" and data["edition"] == 3 and data["date"] == "2025-06-01"
    assert data["previous"] == "first" and data["changes"] == "changes"
    assert data["files"] == {
        "epub": "second.epub",
        "html": "second/index.html",
        "pdf": "second.pdf",
    }
    assert data["identifier"] == "urn:uuid:00000000-0000-4000-8000-000000000003"
    assert data["authors"] == ["Test Author"] and data["language"] == "en"
    raw = (shelf / ".report-shelf" / "second.json").read_text(encoding="utf-8")
    assert raw == json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n"


def test_the_site_is_made_from_the_entries_alone_byte_for_byte(shelf: Path, tmp_path: Path) -> None:
    # What `report collect` does with merged folders: only the entries and the project file.
    copy = tmp_path / "merged"
    shutil.copytree(shelf / ".report-shelf", copy / ".report-shelf")
    project = load_project(shelf.parent / "report.yaml")
    written = write_site(copy, project)
    original = sorted(p.relative_to(shelf) for p in (shelf / "site").rglob("*") if p.is_file())
    assert sorted(p.relative_to(copy) for p in written) == original
    for relative in original:
        assert (copy / relative).read_bytes() == (shelf / relative).read_bytes(), relative


def test_an_up_to_date_shelf_rebuilds_nothing_and_keeps_its_site(shelf: Path) -> None:
    index = shelf / "site" / "index.html"
    before = index.stat().st_mtime_ns
    result = run_report("build", cwd=shelf.parent)
    assert result.returncode == 0, result.stderr
    assert "nothing to build" in result.stdout
    assert "wrote" not in result.stdout
    assert index.stat().st_mtime_ns == before
    # A change to the project file makes the site again, and only the site.
    project = shelf.parent / "report.yaml"
    text = project.read_text(encoding="utf-8")
    project.write_text(text.replace("Test Policy Briefs", "Renamed Briefs"), encoding="utf-8")
    try:
        result = run_report("build", cwd=shelf.parent)
        assert result.returncode == 0, result.stderr
        assert [line.split()[1] for line in result.stdout.splitlines() if "wrote" in line] == [
            "build/site/index.html"
        ]
        assert "Renamed Briefs" in index.read_text(encoding="utf-8")
    finally:
        project.write_text(text, encoding="utf-8")
        assert run_report("build", cwd=shelf.parent).returncode == 0


def test_without_a_project_file_nothing_changes(tmp_path: Path) -> None:
    folder = make_shelf(tmp_path)
    (folder / "report.yaml").unlink()
    result = run_report("build", "content/first.yaml", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (folder / "build").iterdir()) == [
        ".report-cache",
        "first.epub",
        "first.pdf",
    ]


BASE = "base_url: https://e.org/\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("publsher: X\n" + BASE, "1:1: unknown key 'publsher'; did you mean 'publisher'?"),
        ("base_url: ftp://e.org/\n", "1:11: base_url: 'ftp://e.org/' is not an http(s) address"),
        (BASE + "series: [a, b]\n", "2:9: series: must be text"),
        (BASE + "languages: en\n", "2:12: languages: must be a list"),
        (BASE + "languages: [en, EN]\n", "2:17: languages[1]: must be a language tag"),
        (BASE + "theme: nosuch\n", "2:8: theme: unknown theme 'nosuch'"),
        ("publisher: X\n", "1:1: missing required key 'base_url'"),
        (BASE + "base_url: https://f.org/\n", "2:1: duplicate key 'base_url'"),
        ("- a list\n", "1:1: a project file is a mapping"),
    ],
)
def test_a_bad_project_file_is_a_located_error_and_nothing_is_written(
    tmp_path: Path, text: str, expected: str
) -> None:
    folder = make_shelf(tmp_path)
    (folder / "report.yaml").write_text(text, encoding="utf-8")
    result = run_report("build", "content/first.yaml", cwd=folder)
    assert result.returncode == 1
    assert f"report.yaml:{expected}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (folder / "build").exists()


def test_two_briefs_with_the_same_name_are_still_refused(tmp_path: Path) -> None:
    folder = make_shelf(tmp_path)
    (folder / "other").mkdir()
    shutil.copy(folder / "content" / "first.yaml", folder / "other" / "first.yaml")
    result = run_report("build", "content/first.yaml", "other/first.yaml", cwd=folder)
    assert result.returncode == 2
    assert "would both write" in result.stderr
    assert not (folder / "build").exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"files": {"pdf": "../../etc/passwd"}}, "files: must name this brief's own outputs"),
        ({"stem": "other"}, "stem 'other' is not the file's name"),
        ({"title": "a\x00b"}, "title: must be text on one line"),
        ({"format": 99}, "not a catalog entry of this tool"),
        ({"date": "soon"}, "date: must be YYYY-MM-DD"),
    ],
)
def test_an_entry_from_elsewhere_is_checked(
    shelf: Path, tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    folder = tmp_path / ".report-shelf"
    shutil.copytree(shelf / ".report-shelf", folder)
    path = folder / "first.json"
    data = json.loads(path.read_text(encoding="utf-8")) | change
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        read_entries(tmp_path)
    [problem] = caught.value.problems
    assert problem.startswith(f"{path}: {expected}")


def test_a_cover_that_is_not_a_jpeg_is_refused(shelf: Path, tmp_path: Path) -> None:
    folder = tmp_path / ".report-shelf"
    shutil.copytree(shelf / ".report-shelf", folder)
    (folder / "first.thumb.jpg").write_bytes(b"GIF89a, or anything but a JPEG")
    with pytest.raises(AssetError, match=r"first\.thumb\.jpg: not"):
        read_entries(tmp_path)
