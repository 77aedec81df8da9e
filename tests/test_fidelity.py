"""Every sentence of the source statement reaches the reader, in the PDF and in the EPUB."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import canonical, epub_text, pdf_pages, source_sentences

SENTENCES = source_sentences()


def test_the_source_splits_into_all_its_sentences() -> None:
    assert len(SENTENCES) == 36  # the title, 31 sentences, 4 list items
    assert SENTENCES[0] == "Belarus – NATO Cooperation"
    assert SENTENCES[-1].endswith("mutual trust and respect.")


@pytest.fixture(scope="module")
def pdf_text(built: dict[str, Path]) -> str:
    return canonical("".join(pdf_pages(built["pdf"])))


@pytest.fixture(scope="module")
def book_text(built: dict[str, Path]) -> str:
    return canonical(epub_text(built["epub"]))


@pytest.mark.parametrize("sentence", SENTENCES, ids=lambda s: s[:40])
def test_sentence_is_in_the_pdf(sentence: str, pdf_text: str) -> None:
    assert canonical(sentence) in pdf_text


@pytest.mark.parametrize("sentence", SENTENCES, ids=lambda s: s[:40])
def test_sentence_is_in_the_epub(sentence: str, book_text: str) -> None:
    assert canonical(sentence) in book_text


def test_typos_are_corrected_in_both_outputs(pdf_text: str, book_text: str) -> None:
    for text in (pdf_text, book_text):
        assert canonical("“Partnership for Peace” (PfP) programme,") in text
        assert canonical("gains experience from NATO member states") in text
        # The corrections are listed in "About this brief", so the typo appears once there only.
        assert text.count(canonical("programmme")) == 1
