"""The one place that resolves and fetches files (fonts, images, CSS) under allowed folders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from report.errors import AssetError
from report.filekinds import loadable_type

MAX_ASSET_BYTES = 16 * 1024 * 1024


def _refused(url: str, reason: str) -> AssetError:
    error = AssetError(f"{url}: {reason}")
    error.reason = reason
    return error


class AssetRoots:
    """Folders from which resources may be read; anything else is refused."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self.roots = [Path(root).resolve() for root in roots]

    def resolve(self, url: str) -> Path:
        """Return the regular file a file: URL names, if it lies inside an allowed folder."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise _refused(
                url,
                "only files inside the project's template and content folders "
                "(and data: URLs) may be loaded",
            )
        # POSIX file URLs: the path is the URL path, percent-decoded (urllib.request, which
        # offers url2pathname, costs 25 ms to import).
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            allowed = ", ".join(str(root) for root in self.roots)
            raise _refused(url, f"outside the allowed folders ({allowed})")
        if not path.is_file():
            raise _refused(url, "no such file")
        if path.stat().st_size > MAX_ASSET_BYTES:
            raise _refused(url, f"larger than {MAX_ASSET_BYTES:,} bytes")
        return path

    def read(self, url: str) -> tuple[bytes, str]:
        """Return the bytes and media type of an allowed file URL: a stylesheet, a font or an
        image, checked by its bytes; anything else is refused."""
        path = self.resolve(url)
        data = path.read_bytes()
        return data, loadable_type(path, data)
