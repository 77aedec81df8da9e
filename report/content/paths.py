"""Files a content file names (images, data, the previous edition): always inside its folder."""

from __future__ import annotations

from pathlib import Path

from report.assets import AssetRoots
from report.errors import AssetError
from report.filekinds import checked_image


def in_content_folder(source: Path, name: str, what: str) -> Path:
    """Resolve a file a content file names; it must be a file inside the content file's folder
    (no address, no absolute path, no way out through `..` or a link)."""
    if "://" in name or name.startswith(("/", "data:")):
        raise AssetError(f"{what} {name!r}: give a path relative to {source.parent}")
    folder = source.parent.absolute()
    try:
        return AssetRoots([folder]).resolve((folder / name).as_uri())
    except AssetError as err:
        raise AssetError(f"{what} {name!r}: {err.reason or err}") from err


def image_path(source: Path, src: str) -> Path:
    """Resolve an image named in a content file (see in_content_folder)."""
    return in_content_folder(source, src, "image")


def checked_image_path(source: Path, src: str, what: str = "image") -> Path:
    """Resolve an image named in a content file and check that it is one (by its bytes)."""
    path = in_content_folder(source, src, what)
    try:
        checked_image(path)
    except AssetError as err:
        raise AssetError(f"{what} {src!r}: {str(err).removeprefix(f'{path}: ')}") from err
    return path
