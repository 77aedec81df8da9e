"""The value types every content model is made of: checked text, identifiers, and the limits.

Kept apart from the models themselves (model.py, figures.py) so both can use them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

# Text fields are strict: YAML 1.1 turns `NO` into False and `012345` into 5349, and a brief must
# never print those silently. Quoting the value in YAML is the fix the error message suggests.
# Characters XML (hence XHTML and the EPUB) cannot carry; a YAML escape like "\x01" makes them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Names the templates use for their own pages and anchors, and EbookLib for its items.
RESERVED_IDS = frozenset(
    {"cover", "titlepage", "summary", "contents", "toc", "changes", "about", "nav", "ncx"}
    | {"list-of-tables", "list-of-figures", "main", "lead", "glossary", "bibliography"}
)


@dataclass(frozen=True)
class Check:
    """The rules of a value: pydantic turns them into its own when it builds the validator."""

    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    ge: int | None = None
    le: int | None = None
    # Each raises ValueError with the message to show; run in turn.
    after: Callable[[Any], Any] | tuple[Callable[[Any], Any], ...] | None = None

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic import AfterValidator, Field

        limits = {
            "pattern": self.pattern,
            "min_length": self.min_length,
            "max_length": self.max_length,
        }
        limits |= {"ge": self.ge, "le": self.le}
        rules: list[Any] = [Field(**{k: v for k, v in limits.items() if v is not None})]
        afters = self.after if isinstance(self.after, tuple) else (self.after,)
        rules += [AfterValidator(check) for check in afters if check]
        return handler.generate_schema(Annotated[(source, *rules)])


def _xml_text(value: str) -> str:
    if not value.strip():
        raise ValueError("is blank; write some text or leave the key out")
    return xml_characters(value)


def xml_characters(value: str) -> str:
    """Refuse the characters XML cannot carry (raise ValueError saying which)."""
    if match := NOT_XML.search(value):
        raise ValueError(f"contains the control character {match.group()!r}, which XML forbids")
    return value


# Ids the templates number themselves: notes, note calls, page-break markers, and the titles of
# the brief's own pages.
# A bibliography's entries are `ref-<key>`; the parts of About this brief `about-<part>`.
_MADE_IDS = re.compile(
    r"(note|noteref|page)-\d+|ref-.+|(" + "|".join(RESERVED_IDS) + r"|notes)-title"
    r"|about-(authors|source|corrections|edition|history|citation)"
)


def _free_id(value: str) -> str:
    if value in RESERVED_IDS or _MADE_IDS.fullmatch(value):
        raise ValueError(f"{value!r} is reserved for the brief's own pages; choose another id")
    return value


# Caps on what no brief needs in such numbers, so a small file can never hold a build for
# minutes (docs/security.md); each is reported at its line like any other problem.
MAX_TEXT = 20_000  # characters in one text value
MAX_SECTIONS = 200
MAX_BLOCKS = 200  # in one section
MAX_ITEMS = 500  # in one list, timeline or key-figure row, keywords, corrections
MAX_NOTES = 500
MAX_REFERENCES = 2000  # in a bibliography (its file, or references:)

Text = Annotated[str, Check(min_length=1, max_length=MAX_TEXT, after=_xml_text)]


def text_up_to(max_length: int, *checks: Callable[[str], str]) -> Any:
    """Text of at most `max_length` characters, with more `checks` (module-level functions:
    the validator is pickled). A Check around Text would replace Text's own rules (pydantic
    builds the outer one from the plain str), letting blank text and control characters in."""
    return Annotated[str, Check(min_length=1, max_length=max_length, after=(_xml_text, *checks))]


Identifier = Annotated[str, Check(pattern=r"^[a-z][a-z0-9-]*$", after=_free_id)]


class Model:
    """Base for every content model: strict types, no unknown keys; fields documented by the
    string under each (pydantic reads them into the JSON Schema)."""

    __slots__ = ()
    __pydantic_config__: ClassVar[dict[str, Any]] = {
        "strict": True,
        "extra": "forbid",
        "use_attribute_docstrings": True,
    }
