"""What a file is, from its bytes: an image (PNG, JPEG, GIF, WebP, or an SVG with nothing active
or external in it), a font, or a stylesheet. Anything else is never loaded or published."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from report.errors import AssetError

# Magic numbers at the start of each kind of file.
RASTER = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
FONTS = {
    b"\x00\x01\x00\x00": "font/ttf",
    b"true": "font/ttf",
    b"OTTO": "font/otf",
    b"wOFF": "font/woff",
    b"wOF2": "font/woff2",
}
MAX_PIXELS = 40_000_000  # a 40-megapixel image is far more than a page needs
SVG_START = re.compile(rb"\A(\xef\xbb\xbf)?\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<svg[\s>]", re.S)


EXTENSIONS = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/svg+xml": (".svg",),
}


def checked_image(path: Path) -> str:
    """Check that a file is an image whose name says what it is; return its media type."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise AssetError(f"{path}: cannot read: {err.strerror}") from err
    media_type = image_type(path, data)
    if path.suffix.lower() not in EXTENSIONS[media_type]:
        raise AssetError(
            f"{path}: the file is {media_type.removeprefix('image/').upper()}; "
            f"name it {path.stem}{EXTENSIONS[media_type][0]}"
        )
    return media_type


def image_type(path: Path, data: bytes) -> str:
    """The media type of an image file, or AssetError saying why it is not one we publish."""
    for magic, media_type in RASTER.items():
        if data.startswith(magic):
            _check_pixels(path, data)
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        _check_pixels(path, data)
        return "image/webp"
    if SVG_START.match(data[:4096]):
        check_svg(path, data)
        return "image/svg+xml"
    raise AssetError(f"{path}: not an image (PNG, JPEG, GIF, WebP or SVG)")


def font_type(path: Path, data: bytes) -> str | None:
    """The media type of a font file, or None."""
    return next((kind for magic, kind in FONTS.items() if data.startswith(magic)), None)


def loadable_type(path: Path, data: bytes) -> str:
    """The media type of a file a template or stylesheet may load: a stylesheet (.css, UTF-8),
    a font, or an image; AssetError for anything else."""
    if path.suffix.lower() == ".css":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise AssetError(f"{path}: not UTF-8 text ({err.reason}); save it as UTF-8") from err
        return "text/css"
    return font_type(path, data) or image_type(path, data)


def _check_pixels(path: Path, data: bytes) -> None:
    """Refuse images too large to decode safely (decompression bombs), and broken ones."""
    import io

    from PIL import Image  # only when the content has images

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise AssetError(f"{path}: not a readable image ({err})") from err
    if width * height > MAX_PIXELS:
        raise AssetError(
            f"{path}: {width} × {height} pixels is more than {MAX_PIXELS:,}; scale it down"
        )


# What an SVG may not hold: anything that runs, embeds a document, or loads from elsewhere.
ACTIVE_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "audio", "video"}
REFERENCE_ATTRIBUTES = {"href", "src"}


def untrusted_xml_parser() -> Any:
    """An lxml parser for files anyone may have written: no DTD loaded, no entity expanded, no
    network, no huge trees."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def check_svg(path: Path, data: bytes) -> None:
    """Refuse an SVG with scripts, event handlers, embedded documents, a DTD, or references
    to anything outside itself (links within it, #id, are fine)."""
    from lxml import etree

    try:
        root = etree.fromstring(data, untrusted_xml_parser())
    except etree.XMLSyntaxError as err:
        raise AssetError(f"{path}: not a well-formed SVG ({err})") from err
    if root.getroottree().docinfo.internalDTD is not None or b"<!ENTITY" in data:
        raise AssetError(f"{path}: an SVG with a DTD or entities is not allowed")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        problem = _svg_element_problem(element)
        if problem:
            raise AssetError(f"{path}:{element.sourceline}: SVG {problem}; not allowed")
    _check_uses(path, root)


MAX_USES = 100


def _check_uses(path: Path, root: object) -> None:
    """Refuse <use> of an element that itself holds a <use>: nested uses multiply (ten of ten
    of ten ...), so a file of a kilobyte could hold a render for minutes."""
    uses = [element for element in root.iter() if _local(element) == "use"]  # type: ignore[attr-defined]
    if len(uses) > MAX_USES:
        raise AssetError(f"{path}: {len(uses)} <use> elements; at most {MAX_USES}")
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}  # type: ignore[attr-defined]
    for use in uses:
        href = next((v for k, v in use.attrib.items() if k.rpartition("}")[2] == "href"), "")
        target = by_id.get(href.strip().lstrip("#"))
        if target is not None and any(_local(inner) == "use" for inner in target.iter()):
            raise AssetError(
                f"{path}:{use.sourceline}: SVG <use> of an element holding <use> (nested uses "
                "multiply); not allowed"
            )


def _local(element: object) -> str:
    tag = getattr(element, "tag", "")
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


_URL = re.compile(r"url\(\s*['\"]?([^'\")\s]*)", re.IGNORECASE)


def _outside_reference(css: str) -> str | None:
    """A url() in SVG style text that points outside the image, or an @import."""
    if "@import" in css.lower():
        return "@import"
    if "\\" in css:
        return "a CSS escape"
    return next((target for target in _URL.findall(css) if not target.startswith("#")), None)


def _svg_element_problem(element: object) -> str | None:
    local = element.tag.rpartition("}")[2]  # type: ignore[attr-defined]
    if local in ACTIVE_ELEMENTS:
        return f"<{local}>"
    for name, value in element.attrib.items():  # type: ignore[attr-defined]
        attribute = name.rpartition("}")[2].lower()
        if attribute.startswith("on"):
            return f"event handler {attribute}"
        if attribute in REFERENCE_ATTRIBUTES and not value.strip().startswith("#"):
            return f"reference {value[:60]!r} (only #ids inside the image)"
        if (target := _outside_reference(value)) is not None:
            return f"reference {target[:60]!r} in {attribute} (only url(#id))"
    if local == "style" and (target := _outside_reference(element.text or "")) is not None:  # type: ignore[attr-defined]
        return f"stylesheet loading {target[:60]!r}"
    return None
